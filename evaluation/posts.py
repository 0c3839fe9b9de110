"""Post evaluation (岗位评价): the staff's own steps of the loop, one PostFact per step.

CJ/T 292 evaluates three kinds of object: regions, departments and posts (岗位). A post fact is
read from the case's trail (CaseEvent), so it says who actually did the step; the post is the
person's role (org.Role) when the fact is written. Steps, their posts and what each counts
(the Unicom and eGova formulas of reference/standards.md §4, evaluation.definitions):

- 上报 ``report``: a grid inspector's (监督员) own report (source 监督员上报). Held (有效上报)
  once the case was filed (立案); not held when it ended unfiled (作废, 不予受理); undecided
  (empty) while it waits.
- 受理 ``accept``: a report an intake operator (受理员) entered (a call, a walk-in). Held as a
  report is.
- 核实 ``verify``: an inspector's verification before filing. Due ``verify_hours`` working
  hours (PostLimits) after the desk asked: the report of a source that needs verifying, or the
  desk's 重新核实. 按时核实 when done by then.
- 立案 ``file``: filing (值班长). Due ``file_hours`` after the case was ready: the report of a
  trusted source, or the last verification's finding. Held (准确立案) unless the case was voided
  (作废) afterwards.
- 派遣 ``dispatch``: each dispatch round (派遣员). Due ``dispatch_hours`` after the filing, or
  after the lead department's return that sent the case back. Held (准确派遣) unless a
  department returned (回退: "not ours") a task of that round. Re-routing a co-department's
  returned share (协办改派) is a dispatch too, due from that return.
- 处置 ``dispose``: a disposer's (处置人员) disposal of a task, on time by the task's own
  deadline (the SLA clock's, as recorded at the disposal). Held when the last check before the
  task's next disposal passed it; not held when it failed it (返工).
- 核查 ``check``: an inspector's check after disposal (passed or failed). Due ``check_hours``
  after the case was reported disposed (the last disposal, or the desk settling the last
  returned share).
- 结案 ``close``: closing (值班长). Due ``close_hours`` after the check passed.

The limits run on working hours; once a case is urgent (reported 紧急, or from its 平转急) they
run round the clock, as the SLA's 紧急工作时 do. The post is the person's role when the fact is
(re)written: the trail does not record roles, so someone who changed post is counted in the
new one on a rewrite.

A step done while nobody was signed in (an anonymous public report, a channel's service user
without a post) has no fact. A step not done yet has no fact either: who owes an overdue
verification is not known until someone does it (the grid's inspectors share it), so the
on-time rates count the steps done in the period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from cases.models import Case, CaseEvent
from cases.states import CaseAction, CaseStatus, Priority, SourceChannel
from core import workcalendar
from core.models import TimeUnit
from evaluation import rollups
from evaluation.models import PostFact, PostLimits, Stage
from org.models import Role, StaffProfile

A = CaseAction

# The limit (a PostLimits field) of each timed step.
LIMIT_FIELD = {
    Stage.VERIFY: "verify_hours",
    Stage.FILE: "file_hours",
    Stage.DISPATCH: "dispatch_hours",
    Stage.CHECK: "check_hours",
    Stage.CLOSE: "close_hours",
}

# Moves after which a case's post facts are written again: the steps themselves, and the moves
# that decide whether an earlier one held (作废, 回退).
POST_MOVES = (
    A.REPORT,
    A.VERIFY,
    A.FILE,
    A.VOID,
    A.REFUSE,
    A.DISPATCH,
    A.RETURN,
    A.REROUTE_SHARE,
    A.SETTLE_SHARE,
    A.DISPOSE,
    A.CHECK_PASS,
    A.CHECK_FAIL,
    A.CLOSE,
    A.UPGRADE,
)


@dataclass(frozen=True)
class Step:
    """A CaseEvent as the post facts read it."""

    pk: int
    action: str
    actor_id: int | None
    at: datetime
    to_status: str
    task_id: int | None
    data: dict


@dataclass(frozen=True)
class CaseInfo:
    pk: int
    area_path: str
    area_class: str
    source: str
    urgent: bool = False  # reported urgent (紧急); an upgrade (平转急) is read from the trail


def _due(started: datetime | None, stage: str, limits: PostLimits, case: CaseInfo, urgent_from):
    """When a step started at ``started`` is due: the post's limit in working hours, or round
    the clock (紧急工作时) once the case is urgent (reported urgent, or from its 平转急)."""
    if started is None or stage not in LIMIT_FIELD:
        return None
    hours = Decimal(getattr(limits, LIMIT_FIELD[stage]))
    urgent = urgent_from is not None and started >= urgent_from
    unit = TimeUnit.URGENT_HOUR if urgent else TimeUnit.WORK_HOUR
    return workcalendar.add_working_time(started, hours, unit, case.area_class or None)


def _check_verdict(steps: Sequence[Step], after: int, task_id: int | None) -> bool | None:
    """Whether the disposal at ``steps[after]`` held: the last check verdict on it before the
    task is disposed again (a failed check names the tasks it sent back; a check can fail after
    an earlier pass). None while no check has judged it."""
    verdict = None
    for step in steps[after + 1 :]:
        if step.action == A.DISPOSE and step.task_id == task_id:
            break
        if step.action == A.CHECK_PASS:
            verdict = True
        elif step.action == A.CHECK_FAIL and task_id in (step.data.get("tasks") or [step.task_id]):
            verdict = False
    return verdict


def _returned_before_next_dispatch(steps: Sequence[Step], after: int) -> bool:
    """准确派遣: did a department return (回退) a task of the round dispatched at ``after``, or the
    share re-routed there, before the next dispatch?"""
    for step in steps[after + 1 :]:
        if step.action == A.DISPATCH:
            return False
        if step.action == A.RETURN:
            if steps[after].action != A.REROUTE_SHARE or step.task_id == steps[after].task_id:
                return True
    return False


def _report_held(steps: Sequence[Step]) -> bool | None:
    """有效上报: True once filed; False if the report ended without filing (作废, 不予受理);
    None while it waits."""
    for step in steps:
        if step.action == A.FILE:
            return True
        if step.action in (A.VOID, A.REFUSE):
            return False
    return None


def case_post_facts(
    case: CaseInfo, steps: Sequence[Step], roles: dict[int, str], limits: PostLimits
) -> list[PostFact]:
    """The post facts of one case from its trail (oldest first)."""
    facts: list[PostFact] = []
    report_held = _report_held(steps)
    verify_from = ready_from = dispatch_from = disposed_at = passed_at = share_returned = None
    upgrades = [s.at for s in steps if s.action == A.UPGRADE]
    urgent_from = upgrades[0] if upgrades else None
    if urgent_from is None and case.urgent and steps:
        urgent_from = steps[0].at  # urgent from the report on

    def add(step: Step, stage: str, *, started=None, on_time=None, held=None) -> None:
        if step.actor_id is None:
            return
        due = _due(started, stage, limits, case, urgent_from)
        if due is not None:
            on_time = step.at <= due
        facts.append(
            PostFact(
                event_id=step.pk,
                case_id=case.pk,
                person_id=step.actor_id,
                post=roles.get(step.actor_id, ""),
                stage=stage,
                area_path=case.area_path,
                at=step.at,
                started_at=started,
                due_at=due,
                on_time=on_time,
                held=held,
            )
        )

    for i, step in enumerate(steps):
        action = step.action
        if action == A.REPORT:
            ready_from = step.at
            if step.to_status == CaseStatus.VERIFYING:
                verify_from = step.at
            role = roles.get(step.actor_id)
            if role == Role.INSPECTOR and case.source == SourceChannel.INSPECTOR:
                add(step, Stage.REPORT, held=report_held)
            elif role == Role.ACCEPTOR:
                add(step, Stage.ACCEPT, held=report_held)
        elif action == A.REVERIFY:
            verify_from = step.at
        elif action == A.VERIFY:
            add(step, Stage.VERIFY, started=verify_from)
            ready_from = step.at
        elif action == A.FILE:
            voided = any(s.action == A.VOID for s in steps[i + 1 :])
            add(step, Stage.FILE, started=ready_from, held=not voided)
            dispatch_from = step.at
        elif action == A.RETURN:
            if step.to_status == CaseStatus.FILED:
                dispatch_from = step.at  # the lead's return: the case waits for a new dispatch
            else:
                share_returned = step.at  # a co-department's: the desk re-routes or settles it
        elif action == A.DISPATCH:
            held = not _returned_before_next_dispatch(steps, i)
            add(step, Stage.DISPATCH, started=dispatch_from, held=held)
        elif action == A.REROUTE_SHARE:  # 协办改派: the dispatcher sends the share elsewhere
            held = not _returned_before_next_dispatch(steps, i)
            add(step, Stage.DISPATCH, started=share_returned, held=held)
        elif action == A.DISPOSE:
            on_time = step.data.get("on_time")
            add(
                step,
                Stage.DISPOSE,
                on_time=on_time if isinstance(on_time, bool) else None,
                held=_check_verdict(steps, i, step.task_id),
            )
        elif action in (A.CHECK_PASS, A.CHECK_FAIL):
            add(step, Stage.CHECK, started=disposed_at)
            if action == A.CHECK_PASS:
                passed_at = step.at
        elif action == A.CLOSE:
            add(step, Stage.CLOSE, started=passed_at)
        # The case reported disposed (the last disposal, or settling the last returned share):
        # the check is due from now.
        if step.to_status == CaseStatus.DISPOSED or step.data.get("case_disposed"):
            disposed_at = step.at
    return facts


def computed(case_ids: Iterable[int]) -> list[PostFact]:
    """The post facts of these cases, from their trails (four queries for any number)."""
    ids = list(case_ids)
    if not ids:
        return []
    cases = {
        pk: CaseInfo(pk, path, area_class or "", source, priority == Priority.URGENT)
        for pk, path, area_class, source, priority in Case.objects.filter(pk__in=ids).values_list(
            "pk", "area_path", "area_class", "source", "priority"
        )
    }
    trails: dict[int, list[Step]] = {}
    actors: set[int] = set()
    rows = CaseEvent.objects.filter(case_id__in=ids, action__in=_READ).order_by(
        "case_id", "at", "pk"
    )
    for case_id, pk, action, actor_id, at, to_status, task_id, data in rows.values_list(
        "case_id", "pk", "action", "actor_id", "at", "to_status", "task_id", "data"
    ):
        trails.setdefault(case_id, []).append(
            Step(pk, action, actor_id, at, to_status, task_id, data or {})
        )
        if actor_id is not None:
            actors.add(actor_id)
    roles = dict(StaffProfile.objects.filter(user_id__in=actors).values_list("user_id", "role"))
    limits = PostLimits.current()
    facts = []
    for case_id, steps in trails.items():
        if case_id in cases:
            facts.extend(case_post_facts(cases[case_id], steps, roles, limits))
    return facts


# The trail's moves the facts read (the steps, and what starts or decides them).
_READ = (*POST_MOVES, A.REVERIFY)


def write(case_ids: Iterable[int]) -> int:
    """Replace the post facts of these cases by the ones their trails give now. Writers of one
    case take turns (the fact writers' lock), and each reads the trail once it has its turn: two
    moves committed together cannot leave the facts of the older trail behind."""
    ids = sorted(set(case_ids))
    with transaction.atomic():
        rollups.lock_cases(ids)
        facts = computed(ids)
        PostFact.objects.filter(case_id__in=ids).delete()
        PostFact.objects.bulk_create(facts, batch_size=1000)
    return len(facts)


def on_move(*, case, event) -> None:
    """After a move's commit (cases.hooks): the case's post facts are written again, by the
    worker (``EVALUATION_POSTS_ASYNC``, the default: ~3-4 ms of reads and writes per move kept
    off the request; bench/lifecycle) or here and now."""
    if settings.EVALUATION_POSTS_ASYNC:
        from evaluation.tasks import write_post_facts

        write_post_facts([case.pk])
    else:
        write([case.pk])


def backfill(cases, *, chunk: int = 2000, progress: Callable[[int], None] | None = None) -> int:
    """Write the post facts of every case in the queryset ``cases``, ``chunk`` at a time."""
    written = 0
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), chunk):
        part = ids[first : first + chunk]
        written += write(part)
        if progress:
            progress(len(part))
    return written
