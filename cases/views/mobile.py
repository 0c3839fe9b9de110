"""Phone pages (viewport 390 px): the disposer's tasks, the inspector's list, the report form.

/cases/m/tasks/    处置人员: my department's open tasks with lights; accept, return (reason),
                   ask for more time, dispose with a photo from the phone camera; tabs for
                   the work queues of the role (cases.queues: 升级到我, tasks escalated to us)
/cases/m/inspect/  监督员: cases in my areas waiting for 核实 (verify) or 核查 (check on site)
(The inspector's report form is a channel of intake: intake.channels.inspector, /intake/m/report/.)
Moves post to the case's ``act`` view with ``next`` pointing back here (post/redirect/get).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import panels, permissions, queues, selectors
from cases.models import Case
from cases.states import CaseAction, CaseStatus
from cases.views import display, moves
from cases.views.access import DISPOSER_ROLES, INSPECTOR_ROLES, elsewhere, role_of
from cases.views.workbench import queue_cards

TASKS_PER_PAGE = 15  # a phone screen or two; each card carries its move forms
INSPECT_LIST_MAX = 50
A = CaseAction
INSPECT_MOVES = frozenset({A.VERIFY, A.CHECK_PASS, A.CHECK_FAIL})
# The disposer's moves on a task card: its own department's, and the reply to a 督办.
PHONE_TASK_MOVES = permissions.DEPARTMENT_MOVES | {A.SUPERVISION_REPLY}


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in DISPOSER_ROLES:
        return elsewhere(request.user)
    now = timezone.now()
    task_queues = {q.key: q for q in queues.queues_for(request.user)}
    tabs = [(None, _("My tasks"), None)] + [
        (key, q.label, q.tasks(request.user).count()) for key, q in task_queues.items()
    ]
    context = {"tabs": tabs, "here": request.get_full_path(), "queue": None}
    if (queue := task_queues.get(request.GET.get("queue"))) is not None:
        page = Paginator(queues.rows(queue, request.user), TASKS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        cards = queue_cards(request.user, queue, page, now)
        context.update(queue=queue.key, task_queue=queue, page=page, cards=cards, now=now)
        return render(request, "cases/m_tasks.html", context)
    qs = selectors.department_tasks(user=request.user).select_related(
        "case__category", "case__standard", "case__grid", "department"
    )
    page = Paginator(qs, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    display.annotate_suspensions([task.case for task in tasks])
    before = display.before_photos([task.case_id for task in tasks])
    pressed = panels.task_notes(tasks)  # dispatch: the 督办 waiting for this task's reply
    cards = []
    for task in tasks:
        case = task.case
        cards.append(
            {
                "task": task,
                "case": case,
                "light": display.task_light(task, case, now),
                "supervisions": pressed.get(task.pk, []),
                "before": before.get(case.pk, []),
                "map": display.card_map(case),
                "map_id": f"card-map-data-{task.pk}",
                "moves": moves.options(request.user, case, [task], only=PHONE_TASK_MOVES),
            }
        )
    context.update(page=page, cards=cards)
    return render(request, "cases/m_tasks.html", context)


def _inspect_cards(user, cases: list[Case]) -> list[dict]:
    tasks = display.current_tasks(cases)
    display.annotate_lights(cases, timezone.now())
    before = display.before_photos([c.pk for c in cases])
    after = display.after_photos([c.pk for c in cases])
    return [
        {
            "case": c,
            "before": before.get(c.pk, []),
            "after": after.get(c.pk, []),
            "moves": moves.options(user, c, tasks.get(c.pk, []), only=INSPECT_MOVES),
        }
        for c in cases
    ]


@login_required
def inspect(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in INSPECTOR_ROLES:
        return elsewhere(request.user)
    user = request.user
    # Waiting for an inspector: nobody has reported a finding yet (a finding of 不属实 or
    # 不在本网格 is the desk's to answer; 重新核实 clears it and the case comes back here).
    verify_qs = selectors.case_list(user=user, status=CaseStatus.VERIFYING).filter(
        verified_at__isnull=True, verify_finding=""
    )
    check_qs = selectors.case_list(
        user=user, status=[CaseStatus.DISPOSED, CaseStatus.CHECKING]
    ).filter(check_passed_at__isnull=True)
    to_verify = list(verify_qs.order_by("reported_at", "pk")[:INSPECT_LIST_MAX])
    to_check = list(check_qs.order_by("disposed_at", "pk")[:INSPECT_LIST_MAX])
    return render(
        request,
        "cases/m_inspect.html",
        {
            "verify_cards": _inspect_cards(user, to_verify),
            "verify_total": verify_qs.count()
            if len(to_verify) == INSPECT_LIST_MAX
            else len(to_verify),
            "check_cards": _inspect_cards(user, to_check),
            "check_total": check_qs.count() if len(to_check) == INSPECT_LIST_MAX else len(to_check),
            "here": request.get_full_path(),
        },
    )
