"""The case page (/cases/<number>/): everything about one case, and the moves allowed now.

Out-of-scope cases are a 404. Moves are POSTs to ``act``: the service runs, its DomainError
becomes a message (never a 500), and the browser is redirected (post/redirect/get) to the case
or to the page the form came from (``next``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import panels, selectors, sla
from cases.models import Case, Task
from cases.states import OPEN_CASE_STATUSES, CaseAction, EvidenceKind, VerifyFinding
from cases.views import display, moves
from cases.views.access import case_or_404
from cases.views.forms import FileCaseForm
from catalog.models import Category
from core import outbox
from core.errors import DomainError


def _map_data(case: Case) -> dict:
    return {
        "lon": case.lon,
        "lat": case.lat,
        "grid": case.grid.polygon if case.grid_id else None,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
    }


def case_context(user, case: Case) -> dict:
    now = timezone.now()
    all_tasks = list(selectors.case_tasks(case, current_only=False))
    current = [t for t in all_tasks if t.round == case.dispatch_round]
    for task in all_tasks:
        task.light = (
            display.task_light(task, case, now) if task.round == case.dispatch_round else None
        )
    display.annotate_suspensions([case])
    evidence = list(selectors.case_evidence(case))
    photos = [
        (kind, label, [e for e in evidence if e.kind == kind])
        for kind, label in EvidenceKind.choices
    ]
    events = display.annotate_trail(list(selectors.case_timeline(case)))
    # The newest leader order's time limit (交办时限): on the report, or a later order's note.
    brief = next((e.brief for e in reversed(events) if e.brief and e.brief["due_at"]), None)
    order_due = brief["due_at"] if brief else None
    return {
        "case": case,
        "brief": brief,
        "order_late": bool(order_due and order_due < now and case.status in OPEN_CASE_STATUSES),
        "finding": _open_finding(case, events),
        "light": sla.worst_light(t.light for t in current),
        "tasks": all_tasks,
        "photos": photos,
        "has_photos": bool(evidence),
        "events": events,
        "moves": moves.options(user, case, current),
        "links": panels.links(user, case),
        "limit": display.time_limit(case),
        "rating": selectors.case_rating(case),
        "map_data": _map_data(case),
    }


def _open_finding(case: Case, events: list):
    """The inspector's 核实 event when its finding (不属实, 不在本网格) waits for the desk."""
    if case.verify_finding not in (VerifyFinding.FALSE, VerifyFinding.ELSEWHERE):
        return None
    return next((e for e in reversed(events) if e.action == CaseAction.VERIFY), None)


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    return render(request, "cases/case_detail.html", case_context(request.user, case))


@login_required
@require_GET
def standards(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the filing-standard options of another category (the file form's picker)."""
    case = case_or_404(request.user, number)
    category = Category.objects.filter(is_active=True, pk=_int(request.GET.get("category"))).first()
    form = FileCaseForm(case=case, category=category, auto_id=f"id_{CaseAction.FILE}_%s")
    return render(request, "cases/partials/standard_select.html", {"field": form["standard"]})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Make one move on a case through its service, then redirect with a message."""
    case = case_or_404(request.user, number)
    spec = moves.SPECS.get(action)
    if spec is None:
        raise Http404(f"No move {action!r}.")
    back = _safe_next(request, reverse("cases:case", args=[case.number]))
    task = None
    if spec.on_task:
        # Only a task of this very case: a task id from elsewhere is as unknown as a wrong case.
        task = Task.objects.filter(pk=_int(request.POST.get("task")), case=case).first()
        if task is None:
            raise Http404("No such task on this case.")
        task.case = case
    form = moves.build_form(action, case, task, data=request.POST, files=request.FILES)
    label = moves.label_of(action)
    if not form.is_valid():
        text = _("%(action)s was not done: %(errors)s") % {
            "action": label,
            "errors": _form_errors(form),
        }
        messages.error(request, text)
        return outbox.answer(request, back, ok=False, message=text, status=400)
    try:
        spec.run(case=case, task=task, actor=request.user, data=form.cleaned_data)
    except DomainError as exc:
        text = _("%(action)s was not done: %(reason)s") % {"action": label, "reason": exc.message}
        messages.error(request, text)
        return outbox.answer(request, back, ok=False, message=text, status=exc.http_status)
    text = _("%(action)s: done on case %(number)s.") % {"action": label, "number": number}
    messages.success(request, text)
    return outbox.answer(request, back, ok=True, message=text)
    try:
        spec.run(case=case, task=task, actor=request.user, data=form.cleaned_data)
    except DomainError as exc:
        messages.error(
            request,
            _("%(action)s was not done: %(reason)s")
            % {
                "action": label,
                "reason": exc.message,
            },
        )
    else:
        messages.success(
            request, _("%(action)s: done on case %(number)s.") % {"action": label, "number": number}
        )
    return redirect(back)
