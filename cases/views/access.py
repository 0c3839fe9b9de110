"""Who sees which case page, and where each role lands.

Desk staff, inspectors and leaders see cases in their area scope; disposers are scoped by
department, not area: they see a case only when their department holds (or held) a task on it.
The rule lives in ``cases.api_selectors.visible_cases`` so pages and API answer alike; anything
else is a 404, never a hint that it exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from cases import api_selectors, permissions
from cases.models import Case
from org.models import Role

# Roles that work at the desk (受理员/值班长/派遣员/领导/管理员): they get the workbench.
DESK_ROLES = frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN})
DISPOSER_ROLES = frozenset({Role.DISPOSER})
INSPECTOR_ROLES = frozenset({Role.INSPECTOR, Role.ADMIN})


def role_of(user) -> str | None:
    return permissions.role_of(user)


def works_for_the_city(user) -> bool:
    """Staff (any role with a staff profile) or a superuser: the pages not meant for citizens."""
    from org.selectors import staff_profile

    return user.is_superuser or staff_profile(user) is not None


def visible_cases(user) -> QuerySet[Case]:
    """The cases whose page ``user`` may open: the same rule as the API's 404s."""
    return api_selectors.visible_cases(user)


def case_or_404(user, number: str) -> Case:
    case = visible_cases(user).filter(number=number).first()
    if case is None:
        raise Http404(f"No case {number} that you may see.")
    return case


def home_url(user) -> str:
    """Where a role's work starts: the workbench, the task list or the inspection list."""
    role = role_of(user)
    if role == Role.DISPOSER:
        return reverse("cases:my_tasks")
    if role == Role.INSPECTOR:
        return reverse("cases:inspect")
    if role in DESK_ROLES:
        return reverse("cases:workbench")
    return reverse("web:home")


def elsewhere(user):
    """Redirect a user who opened a page not meant for their role to their own page."""
    return redirect(home_url(user))
