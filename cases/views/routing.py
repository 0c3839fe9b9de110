"""Routing as the case pages use it (RoutingRule category x area, 兜底), through the router the
dispatch app registers (``cases.panels.register_router``): cases does not import dispatch.

The dispatch form is prefilled from the router's suggestion; a dispatch that keeps the
suggestion goes through the router's ``route`` so the decision is recorded (RoutingDecision)
and explained on the timeline. A changed choice is the desk's own decision and goes straight to
``cases.services.case_dispatch``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases import panels, services
from cases.models import Case, Task
from core.errors import Conflict, DomainError
from org.models import Department


def suggestion(case: Case):
    """Where routing would send ``case``, or None when it cannot say (no fallback owner, no
    routing installed)."""
    router = panels.router()
    if router is None:
        return None
    try:
        return router.suggest(case)
    except DomainError:
        return None


def suggestion_text(plan) -> str:
    """The routing suggestion as a sentence a dispatcher reads above the dispatch form."""
    if plan.co:
        who = _("%(lead)s as lead, with %(co)s") % {
            "lead": plan.lead.name,
            "co": _(", ").join(d.name for d in plan.co),
        }
    else:
        who = plan.lead.name
    return _("Routing suggests %(who)s: %(why)s.") % {"who": who, "why": plan.explanation}


def _same_choice(plan, departments: list[Department], lead: Department | None) -> bool:
    chosen_lead = lead or (departments[0] if departments else None)
    return (
        chosen_lead is not None
        and chosen_lead.pk == plan.lead.pk
        and [d.pk for d in departments] == [d.pk for d in plan.departments]
    )


def dispatch(
    *, case: Case, actor, departments: list[Department], lead: Department | None, note: str = ""
) -> list[Task]:
    """Dispatch as chosen: through routing when the choice is routing's, else directly."""
    plan = suggestion(case)
    if plan is not None and _same_choice(plan, departments, lead):
        return panels.router().route(case=case, actor=actor, note=note)
    return services.case_dispatch(
        case=case, actor=actor, departments=departments, lead=lead, note=note
    )


def route(*, case: Case, actor) -> list[Task]:
    """Dispatch ``case`` where its routing rules (or the fallback owner) say."""
    router = panels.router()
    if router is None:
        raise Conflict(
            _("No routing is installed: choose the department for case %(number)s.")
            % {"number": case.number},
            code="no_routing",
        )
    return router.route(case=case, actor=actor)
