"""The operator workbench (/cases/): queues by status with SLA lights, filters, bulk dispatch,
and the work queues of decisions waiting for the desk (cases.queues: 待审批延期, 待处理回退,
升级到我), each with its moves on the row.

For desk roles only (受理员, 值班长, 派遣员, 领导, 管理员); a disposer or an inspector who
opens it lands on their phone page instead. The table reloads through htmx (partial on
``HX-Request``) when a filter changes, and the URL keeps the filters so a reload or a shared
link shows the same queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import permissions, queues, selectors, services, tally
from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, CaseAction, CaseStatus, Priority, SourceChannel
from cases.views import display, moves, routing
from cases.views.access import DESK_ROLES, elsewhere, role_of
from cases.views.forms import BulkDispatchForm, WorkbenchFilter
from core import exports, paging
from core.errors import DomainError
from org.models import Role

PAGE_SIZE = 25
# Lights are computed, not stored: filtering by light computes them for at most this many
# cases of the queue; beyond it the page says so and asks for narrower filters.
LIGHT_FILTER_MAX = 5000
BULK_MAX = 200

# Filters the tallies can answer (the light filter narrows the list, not the tab counts).
TALLIED_FILTERS = {"area", "source", "light"}
OVERDUE = "overdue"
ALL = "all"
QUEUE_STATUSES = [
    CaseStatus.REPORTED,
    CaseStatus.VERIFYING,
    CaseStatus.FILED,
    CaseStatus.DISPATCHED,
    CaseStatus.SUSPENDED,
    CaseStatus.DISPOSED,
    CaseStatus.CHECKING,
]
QUEUES = [*QUEUE_STATUSES, OVERDUE, ALL]
QUEUE_LABELS = {
    **{s: CaseStatus(s).label for s in QUEUE_STATUSES},
    OVERDUE: gettext_lazy("Overdue 超时"),
    ALL: gettext_lazy("All cases"),
}
# The queue each desk role works first.
DEFAULT_QUEUE = {
    Role.ACCEPTOR: CaseStatus.REPORTED,
    Role.SHIFT_LEADER: CaseStatus.REPORTED,
    Role.DISPATCHER: CaseStatus.FILED,
    Role.LEADER: OVERDUE,
    Role.ADMIN: CaseStatus.REPORTED,
}


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: int
    active: bool
    more: bool = False  # count stopped at paging.COUNT_CAP: shown as "10000+"


def _filtered(user, values: dict) -> QuerySet[Case]:
    qs = selectors.case_list(
        user=user,
        source=values.get("source"),
        priority=values.get("priority"),
        search=values.get("q", ""),
    )
    if values.get("area") is not None:
        qs = qs.filter(area_path__startswith=values["area"].path)
    if values.get("category") is not None:
        qs = qs.filter(category=values["category"])
    if values.get("reported_from") is not None:  # local midnight of that day
        start = datetime.combine(values["reported_from"], time.min)
        qs = qs.filter(reported_at__gte=timezone.make_aware(start))
    return qs


def overdue(qs: QuerySet[Case], now) -> QuerySet[Case]:
    """Dispatched cases with an open task of the current round past its stored deadline."""
    late = Task.objects.filter(
        case_id=OuterRef("pk"),
        round=OuterRef("dispatch_round"),
        status__in=OPEN_TASK_STATUSES,
        deadline_at__lt=now,
    )
    return qs.filter(status=CaseStatus.DISPATCHED).filter(Exists(late))


def _queue(qs: QuerySet[Case], queue: str, now) -> QuerySet[Case]:
    if queue == OVERDUE:
        return overdue(qs, now).order_by("reported_at", "pk")
    if queue == ALL:
        return qs.order_by("-reported_at", "-pk")
    return qs.filter(status=queue).order_by("reported_at", "pk")  # oldest first: FIFO


def _by_light(qs: QuerySet[Case], light: str, now) -> tuple[QuerySet[Case], bool]:
    """Narrow to cases whose worst current light is ``light``; (qs, False) when too many."""
    candidates = list(
        qs.filter(dispatch_round__gt=0)
        .select_related(None)
        .only("pk", "dispatch_round", "area_class")[: LIGHT_FILTER_MAX + 1]
    )
    if len(candidates) > LIGHT_FILTER_MAX:
        return qs, False
    display.annotate_lights(candidates, now)
    return qs.filter(pk__in=[c.pk for c in candidates if c.light == light]), True


def _counts(user, values: dict, base: QuerySet[Case], now) -> tuple[dict[str, int], bool]:
    """Cases per queue tab, and whether "all" stopped at the cap.

    Filtered by area and source only (the usual view), every count is read from the tallies
    the database keeps (cases.tally), exactly. Filtered by more, the open statuses are counted
    exactly (the (status, area_path) index reads the open cases only, however many closed
    ones the years hold) and "all" up to ``paging.COUNT_CAP``.
    """
    more = False
    if values.keys() <= TALLIED_FILTERS:
        area = values.get("area")
        per_status = tally.by_status(
            user, area_path=area.path if area else None, source=values.get("source")
        )
        counts = {status: per_status[status] for status in QUEUE_STATUSES}
        counts[ALL] = sum(per_status.values())
    else:
        counts = dict(
            base.filter(status__in=QUEUE_STATUSES)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        counts[ALL], more = paging.capped_count(base)
    counts[OVERDUE] = overdue(base, now).count()
    return counts, more


def _tabs(counts: dict[str, int], more: bool, queue: str) -> list[Tab]:
    return [
        Tab(q, QUEUE_LABELS[q], counts.get(q, 0), q == queue, more=more and q == ALL)
        for q in QUEUES
    ]


def queue_cards(user, queue: queues.Queue, tasks, now) -> list[dict]:
    """One card per task of a work queue, with the queue's moves on it (workbench and phone)."""
    tasks = list(tasks)
    queues.annotate_reasons(tasks)
    if queue.annotate is not None:
        queue.annotate(tasks)
    display.annotate_suspensions([t.case for t in tasks])
    cards = []
    for task in tasks:
        case = task.case
        cards.append(
            {
                "task": task,
                "case": case,
                "light": display.task_light(task, case, now),
                "moves": moves.options(user, case, [task], only=queue.moves),
            }
        )
    return cards


def _task_queue_context(request, user, queue: queues.Queue, base, now) -> dict:
    tasks = queues.rows(queue, user).filter(case_id__in=base.values("pk"))
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"task_queue": queue, "page": page, "cards": queue_cards(user, queue, page, now)}


def workbench_context(request: HttpRequest) -> dict:
    user = request.user
    now = timezone.now()
    filters = WorkbenchFilter(request.GET or None, user=user)
    values = filters.values()
    task_queues = {q.key: q for q in queues.queues_for(user)}
    queue = request.GET.get("queue")
    if queue not in QUEUES and queue not in task_queues:
        queue = DEFAULT_QUEUE.get(role_of(user), CaseStatus.REPORTED)
    base = _filtered(user, values)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("queue", None)
    counts, more = _counts(user, values, base, now)
    tabs = _tabs(counts, more, queue) + [
        Tab(
            q.key,
            q.label,
            q.tasks(user).filter(case_id__in=base.values("pk")).count(),
            key == queue,
        )
        for key, q in task_queues.items()
    ]
    common = {"filters": filters, "queue": queue, "tabs": tabs, "query": query.urlencode()}
    if queue in task_queues:
        return {
            **common,
            **_task_queue_context(request, user, task_queues[queue], base, now),
            "here": request.get_full_path(),
            "light_applied": True,
            "now": now,
        }
    qs = _queue(base, queue, now)
    light_applied = True
    known = counts.get(queue, 0)
    if values.get("light"):
        qs, light_applied = _by_light(qs, values["light"], now)
        known = None if light_applied else known  # not applied: the tab's count stands
    paginator = paging.CappedPaginator(qs, PAGE_SIZE, known=known, more=more and queue == ALL)
    page = paginator.get_page(request.GET.get("page"))
    display.annotate_lights(page.object_list, now)
    display.annotate_suspensions(page.object_list)
    may_dispatch = role_of(user) in permissions.MOVE_ROLES[CaseAction.DISPATCH]
    return {
        **common,
        "page": page,
        "light_applied": light_applied,
        "light_limit": LIGHT_FILTER_MAX,
        "may_dispatch": may_dispatch,
        "bulk_form": BulkDispatchForm() if may_dispatch else None,
        "now": now,
    }


def _desk_only(user):
    role = role_of(user)
    if role in DESK_ROLES:
        return None
    if role in (Role.DISPOSER, Role.INSPECTOR):
        return elsewhere(user)
    raise PermissionDenied(_("The workbench is for intake, dispatch and leadership staff."))


EXPORT_HEADER = (
    gettext_lazy("Case number 案件编号"), gettext_lazy("Status 状态"), gettext_lazy("Source 来源"), gettext_lazy("Priority 紧急程度"),
    gettext_lazy("Category code 类别代码"), gettext_lazy("Category 类别"), gettext_lazy("Grid 单元网格"), gettext_lazy("Address 地址"),
    gettext_lazy("Description 问题描述"), gettext_lazy("Longitude"), gettext_lazy("Latitude"), gettext_lazy("Reported at 上报时间"),
    gettext_lazy("Filed at 立案时间"), gettext_lazy("Dispatched at 派遣时间"), gettext_lazy("Disposed at 处置时间"),
    gettext_lazy("Closed at 结案时间"), gettext_lazy("Returns 回退"), gettext_lazy("Reworks 返工"),
)  # fmt: skip


def export_cases(request: HttpRequest, fmt: str) -> HttpResponse:
    """The queue with its filter as a file (导出): every matching case, not one page."""
    user = request.user
    now = timezone.now()
    values = WorkbenchFilter(request.GET or None, user=user).values()
    queue = request.GET.get("queue") or ALL
    if queue not in QUEUES:  # a task queue (延期, 回退 ...) lists tasks, not cases
        return HttpResponseBadRequest(
            _("Only the case queues download as a list; %(queue)s is a queue of tasks.")
            % {"queue": queue},
            content_type="text/plain; charset=utf-8",
        )
    qs = _queue(_filtered(user, values), queue, now)
    if values.get("light"):
        qs, applied = _by_light(qs, values["light"], now)
        if not applied:  # the page says so; a file must not silently hold other rows
            return HttpResponseBadRequest(
                _("More than %(n)s cases: narrow the other filters before the light.")
                % {"n": LIGHT_FILTER_MAX},
                content_type="text/plain; charset=utf-8",
            )
    statuses, sources = dict(CaseStatus.choices), dict(SourceChannel.choices)
    priorities = dict(Priority.choices)
    rows = (
        (c.number, statuses.get(c.status, c.status), sources.get(c.source, c.source),
         priorities.get(c.priority, c.priority), c.category.code if c.category else "",
         c.category.name if c.category else "", c.grid.code if c.grid else "", c.address,
         c.description, c.lon, c.lat, c.reported_at, c.filed_at, c.dispatched_at,
         c.disposed_at, c.closed_at, c.returned_count, c.rework_count)
        for c in qs.select_related("category", "grid").iterator(chunk_size=2000)
    )  # fmt: skip
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return exports.export_response(
        fmt,
        f"cases-{queue}-{stamp}",
        [str(h) for h in EXPORT_HEADER],
        rows,
        title=_("Cases"),
        count=qs.count,
    )


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    if (away := _desk_only(request.user)) is not None:
        return away
    if fmt := request.GET.get("format"):
        return export_cases(request, fmt)
    context = workbench_context(request)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        # The filter form outside the panel learns the queue from an out-of-band input.
        context["oob"] = True
        return render(request, "cases/partials/workbench_panel.html", context)
    return render(request, "cases/workbench.html", context)


def _dispatch_one(case: Case, actor, department) -> None:
    if department is not None:
        services.case_dispatch(case=case, actor=actor, departments=[department])
    else:
        routing.route(case=case, actor=actor)


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the selected filed cases: to the chosen department, or each where its routing
    rules (or its fallback owner 兜底) say."""
    if (away := _desk_only(request.user)) is not None:
        return away
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("cases:workbench")
    form = BulkDispatchForm(request.POST)
    numbers = list(dict.fromkeys(request.POST.getlist("cases")))[:BULK_MAX]
    if not form.is_valid() or not numbers:
        messages.error(request, _("Select at least one filed case to dispatch."))
        return redirect(back)
    department = form.cleaned_data["department"]
    found = {c.number: c for c in selectors.case_list(user=request.user).filter(number__in=numbers)}
    done, failed = [], []
    for number in numbers:
        case = found.get(number)
        if case is None:
            failed.append(_("%(number)s: no such case that you may see.") % {"number": number})
            continue
        try:
            _dispatch_one(case, request.user, department)
        except DomainError as exc:
            failed.append(f"{number}: {exc.message}")
        else:
            done.append(number)
    if done:
        messages.success(
            request,
            _("Dispatched %(n)d case(s): %(numbers)s.")
            % {"n": len(done), "numbers": ", ".join(done)},
        )
    for text in failed:
        messages.error(request, text)
    return redirect(back)
