"""Planned-work pages (周期性工单): the crews' orders on the phone, one order with its proof, the
centre's inspection (抽查), and the operators' evaluation (作业单位评价).

- ``/plans/orders/``: the orders the user may see (a crew its department's, the centre its area
  scope's), by day and status or by one of the evaluation's counts (``which``): every number
  of the evaluation opens this list. CSV/xlsx with ``format``.
- ``/plans/orders/<pk>/``: one order: its place, checklist and proof; the crew completes it
  (photo, position from the phone, checklist answers; through the phone's outbox when there is
  no signal), reports a problem found there as a case in one tap (作业发现: the order's place,
  category and component filled in), and the centre inspects a sampled one (a failure opens
  rework).
- ``/plans/operators/``: each operator's 完成率, 按时完成率 and 抽查合格率 for a period, ranked.

An order outside the user's slice answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.views.access import elsewhere, works_for_the_city
from core import outbox
from core.dates import day_or_none
from core.errors import DomainError
from core.exports import FORMATS, export_response
from plans import selectors, services
from plans.forms import CompleteForm, InspectForm, ProblemForm
from plans.models import OrderStatus, Plan, WorkOrder

PAGE_SIZE = 100
TODO = "todo"
MAX_PERIOD_DAYS = 366


def _period(request: HttpRequest, *, default_days: int):
    """(since, until) from the query (local days, both included), default the last days."""
    today = timezone.localdate()
    until = day_or_none(request.GET.get("until")) or today
    since = day_or_none(request.GET.get("since")) or until - timedelta(days=default_days - 1)
    if since > until:
        since, until = until, since
    since = max(since, until - timedelta(days=MAX_PERIOD_DAYS - 1))
    return since, until


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    """The orders list: a crew's day on the phone, and the way down from every count."""
    if not works_for_the_city(request.user):
        return elsewhere(request.user)
    now = timezone.now()
    found = selectors.orders_of(request.user)
    which = request.GET.get("which", "")
    status = request.GET.get("status", "")
    chosen = {"which": which, "status": status, "department": request.GET.get("department", "")}
    if which:
        since, until = _period(request, default_days=30)
        found = selectors.in_period(found, since, until)
        q = selectors.which_q(which, now)
        if q is None:
            return HttpResponse(
                _("Unknown count %(which)s.") % {"which": which},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        found = found.filter(q)
    else:  # a day's orders, today by default
        since, until = _period(request, default_days=1)
        found = selectors.in_period(found, since, until)
        if "status" not in request.GET and not selectors.is_centre(request.user):
            status = chosen["status"] = TODO  # a crew's day: what is left to do
        if status == TODO:  # open, or missed but still to be done (late)
            found = found.filter(status__in=(OrderStatus.OPEN, OrderStatus.MISSED))
        elif status in OrderStatus.values:
            found = found.filter(status=status)
    if chosen["department"]:
        found = found.filter(department__code=chosen["department"])
    plan = request.GET.get("plan", "")
    if plan.isascii() and plan.isdigit():
        found = found.filter(plan_id=int(plan))
        chosen["plan"] = plan
    found = found.select_related(
        "plan", "department", "item__grid", "item__component", "item__segment", "done_by"
    ).order_by("due_at", "pk")
    fmt = request.GET.get("format", "")
    if fmt:
        return _export(fmt, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k not in ("page", "format")}
    return render(
        request,
        "plans/orders.html",
        {
            "page": page,
            "since": since,
            "until": until,
            "chosen": chosen,
            "which_label": selectors.WHICH_LABELS.get(which, ""),
            "statuses": [(TODO, _("To do (open or missed)")), *OrderStatus.choices],
            "query": urlencode(query),
            "formats": FORMATS,
            "is_centre": selectors.is_centre(request.user),
            "now": now,
        },
    )


def _export(fmt: str, found):
    header = [
        _("Order"), _("Plan"), _("Done by"), _("Place"), _("From"), _("Due by"), _("Status"),
        _("Done at"), _("Late"), _("Inspection"),
    ]  # fmt: skip
    tz = timezone.get_current_timezone()

    def local(moment):
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    def rows():
        for o in found.iterator(chunk_size=2000):
            yield [
                o.pk, o.plan.name, o.department.name, o.item.label, local(o.starts_at),
                local(o.due_at), o.get_status_display(), local(o.done_at),
                _("yes") if o.late else "", o.get_inspection_display(),
            ]  # fmt: skip

    return export_response(fmt, "work-orders", header, rows(), title=_("Work orders"))


def _order(request: HttpRequest, pk: int) -> WorkOrder:
    order = selectors.order_of(request.user, pk)
    if order is None:
        raise Http404(_("No work order %(pk)s for you.") % {"pk": pk})
    return order


@login_required
def order(request: HttpRequest, pk: int) -> HttpResponse:
    if not works_for_the_city(request.user):
        return elsewhere(request.user)
    found = _order(request, pk)
    return _order_page(request, found)


def _order_page(request, found: WorkOrder, *, complete=None, problem=None, status=200):
    crew = selectors.crew_of(request.user, found)
    context = {
        "order": found,
        "may_complete": crew and found.status in (OrderStatus.OPEN, OrderStatus.MISSED),
        "may_report": crew or selectors.is_centre(request.user),
        "may_inspect": selectors.is_centre(request.user)
        and found.status == OrderStatus.DONE
        and not found.inspection,
        "complete_form": complete or CompleteForm(plan=found.plan),
        "problem_form": problem or ProblemForm(),
        "inspect_form": InspectForm(),
        "reworks": list(found.reworks.all()),
    }
    return render(request, "plans/order.html", context, status=status)


def _refused(request, found: WorkOrder, message: str, **forms) -> HttpResponse:
    """A refused post: the outbox gets JSON 422, a page the form again with the message."""
    messages.error(request, message)  # shown on the page the phone goes on to
    if outbox.from_outbox(request):
        url = reverse("plans:order", args=[found.pk])
        return outbox.answer(request, url, ok=False, message=message, status=422)
    return _order_page(request, found, status=422, **forms)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The completion photo, to whoever may see the order (the centre inspecting it, the crew);
    404 for anyone else and for an order without one."""
    found = _order(request, pk)
    if not found.photo:
        raise Http404(_("Work order %(pk)s has no photo.") % {"pk": pk})
    try:
        stream = found.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("Work order %(pk)s has no photo.") % {"pk": pk}) from None
    response = FileResponse(stream, content_type=_content_type(found.photo.name))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_type(name: str) -> str:
    import mimetypes

    guessed = mimetypes.guess_type(name)[0] or ""
    return guessed if guessed.startswith("image/") else "application/octet-stream"


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """The crew's 完成 with the plan's proof; from the phone's outbox too (answered in JSON)."""
    found = _order(request, pk)
    if found.status == OrderStatus.DONE and found.done_by_id == request.user.pk:
        # Sent again (the phone's outbox after a lost answer): done already, by this person.
        text = _("Work order %(pk)s is done already.") % {"pk": found.pk}
        return outbox.answer(request, reverse("plans:orders"), ok=True, message=text)
    form = CompleteForm(request.POST, request.FILES, plan=found.plan)
    if not form.is_valid():
        return _refused(request, found, form.problems(), complete=form)
    data = form.cleaned_data
    try:
        services.complete(
            order=found,
            actor=request.user,
            lon=data["lon"],
            lat=data["lat"],
            answers=form.answers(),
            photo=data["photo"],
            note=data["note"],
        )
    except DomainError as exc:
        return _refused(request, found, exc.message, complete=form)
    text = _("Work order %(pk)s done.") % {"pk": found.pk}
    messages.success(request, text)
    return outbox.answer(request, reverse("plans:orders"), ok=True, message=text)


@login_required
@require_POST
def report_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """作业发现: a problem found on the round becomes a case through intake, at the order's place
    (or where the phone is), with the plan's category and the order's component."""
    from intake.channels.inspector import InspectorChannel, StaffReport
    from intake.channels.inspector.views import said
    from intake.services import component_fits

    found = _order(request, pk)
    if not (selectors.crew_of(request.user, found) or selectors.is_centre(request.user)):
        raise Http404(_("No work order %(pk)s for you.") % {"pk": pk})
    form = ProblemForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, found, form.problems(), problem=form)
    data = form.cleaned_data
    item, category = found.item, found.plan.category
    # A component's place is the report's (the phone's position elsewhere, or the order's place).
    if item.component_id is None and data["lon"] is not None:
        lon, lat = data["lon"], data["lat"]
    else:
        lon, lat = item.point
    if item.component_id is not None:
        # The order authorises the component (a crew may maintain another owner's objects):
        # the instance is passed, not looked up in the crew's slice.
        if category is not None and not component_fits(item.component, category):
            category = None  # the component's own category stands in
    report = StaffReport(
        description=data["description"],
        source="planned_work",
        lon=lon,
        lat=lat,
        category=category,
        photos=tuple(data["photos"]),
        component=item.component if item.component_id else None,
        address=found.item.label,
        external_id=(
            f"order-{found.pk}-{request.user.pk}-{data['client_key']}" if data["client_key"] else ""
        ),
    )
    try:
        result = InspectorChannel().receive(report, actor=request.user)
    except DomainError as exc:
        return _refused(request, found, exc.message, problem=form)
    text = said(result)
    messages.success(request, text)
    return outbox.answer(request, reverse("plans:order", args=[found.pk]), ok=True, message=text)


@login_required
@require_POST
def inspect(request: HttpRequest, pk: int) -> HttpResponse:
    """The centre's 抽查 of a done order; a failure opens a rework order for the same crew."""
    found = _order(request, pk)
    if not selectors.is_centre(request.user):
        raise Http404(_("No work order %(pk)s for you.") % {"pk": pk})
    form = InspectForm(request.POST)
    if not form.is_valid():
        return _refused(request, found, form.problems())
    try:
        rework = services.inspect(
            order=found,
            actor=request.user,
            passed=form.cleaned_data["result"] == "passed",
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _refused(request, found, exc.message)
    if rework is None:
        messages.success(request, _("Work order %(pk)s passed inspection.") % {"pk": found.pk})
    else:
        messages.success(
            request,
            _("Work order %(pk)s failed inspection: rework order %(rework)s opened.")
            % {"pk": found.pk, "rework": rework.pk},
        )
    return outbox.answer(request, reverse("plans:order", args=[found.pk]), ok=True)


@login_required
def operators(request: HttpRequest) -> HttpResponse:
    """作业单位评价: each operator's counts and rates for the period, every count a link."""
    if not works_for_the_city(request.user):
        return elsewhere(request.user)
    now = timezone.now()
    since, until = _period(request, default_days=30)
    visible = selectors.orders_of(request.user)
    rows = selectors.operator_rows(selectors.in_period(visible, since, until), now)
    fmt = request.GET.get("format", "")
    if fmt:
        header = [
            _("Rank"), _("Operator"), _("Due 应完成"), _("Done 已完成"), _("Done on time 按时完成"),
            _("Missed 未完成"), _("Inspected 已抽查"), _("Passed 抽查合格"),
            _("Completion rate 完成率"), _("On-time rate 按时完成率"), _("Pass rate 抽查合格率"),
        ]  # fmt: skip

        def pct(value):
            return "" if value is None else round(value, 2)

        return export_response(
            fmt,
            f"operators-{since}-{until}",
            header,
            [
                [
                    r.rank,
                    r.name,
                    r.counts["due"],
                    r.counts["done"],
                    r.counts["on_time"],
                    r.counts["missed"],
                    r.counts["inspected"],
                    r.counts["passed"],
                    pct(r.completion_rate),
                    pct(r.on_time_rate),
                    pct(r.pass_rate),
                ]  # fmt: skip
                for r in rows
            ],
            title=_("Operators"),
        )
    base = {"since": since.isoformat(), "until": until.isoformat()}
    for row in rows:
        row.links = {
            name: f"{reverse('plans:orders')}?{urlencode({**base, 'which': name, 'department': row.code})}"
            for name in selectors.COUNTED
        }
    plans = Plan.objects.filter(
        pk__in=selectors.in_period(visible, since, until).values("plan_id")
    ).select_related("department")
    return render(
        request,
        "plans/operators.html",
        {
            "rows": rows,
            "since": since,
            "until": until,
            "formats": FORMATS,
            "query": urlencode(base),
            "plans": plans.order_by("department__code", "name"),
            "is_centre": selectors.is_centre(request.user),
        },
    )
