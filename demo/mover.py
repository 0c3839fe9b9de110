"""The demo's people at work: the next move of a case, and making it through the real services.

``CaseMover.next_move`` reads where a case stands (status, tasks, what its temperament wants)
and answers with the move the city would make next and when; ``perform`` makes it through
``cases.services`` / ``dispatch.services.route`` as the right member of staff (``demo.cast``).
``seed_demo`` runs the moves of the past at their historical times (``now=``); the simulator
runs them as they fall due, faster than life. Nothing here writes a row itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from cases import services as case_services
from cases.models import Case, CaseEvent, Task
from cases.states import CaseAction, CaseStatus, Priority, TaskStatus
from catalog.models import FilingStandard
from demo import photos, story
from demo.cast import Cast
from demo.story import Temperament
from dispatch import services as dispatch_services

# Notes and reasons the demo staff write (Chinese, as a Ningbo centre would).
VOID_REASON = "现场核实无此问题，作废处理"
NO_STANDARD_REASON = "不属于城市管理立案范围，作废处理"
UPGRADE_REASON = "存在安全隐患，平转急"
RETURN_REASON = "经核实不属于本单位职责范围，申请回退"
EXTENSION_REASON = "需协调产权单位配合处置，申请延期"
EXTENSION_REJECTED = "时限内可以完成，不予延期"
SUSPEND_REASON = "需等待管线迁改完成，暂时挂账"
RESUME_NOTE = "条件已具备，恢复处置"
DISPOSE_NOTE = "已按要求处置完毕，附处置后照片"
CHECK_PASS_NOTE = "现场核查，问题已解决"
CHECK_FAIL_REASON = "现场核查发现问题未彻底解决，退回返工"
CLOSE_NOTE = "核查通过，予以结案"
FIRST_STANDARD_SHARE = 0.6  # the commonest filing condition of a category is the first one
EXTENSION_AT_SHARE = 0.6  # departments ask for more time when 60 % of it is gone


@dataclass(frozen=True)
class Move:
    """What happens next to a case, due at ``due``; ``task`` for the task-level moves."""

    kind: str
    due: datetime
    task: Task | None = None


class CaseMover:
    def __init__(self, *, cast: Cast, seed: int) -> None:
        self.cast = cast
        self.seed = seed
        self._standards: dict[tuple[str, str], list[FilingStandard]] | None = None
        # case id -> the standard it must be filed under (the showcase's exact lights)
        self.forced_standards: dict[int, FilingStandard] = {}

    # --- reading -------------------------------------------------------------------------------
    def temperament(self, case: Case) -> Temperament:
        """A case's twists, the same every time they are asked for (keyed by its number)."""
        rng = random.Random(f"{self.seed}:{case.number}:temperament")
        return story.temperament(rng, trusted=case.trusted)

    def rng(self, case: Case, kind: str, salt: object = "") -> random.Random:
        return random.Random(f"{self.seed}:{case.number}:{kind}:{case.version}:{salt}")

    @staticmethod
    def tasks(case: Case) -> list[Task]:
        """The current round's tasks, lead first."""
        if not case.dispatch_round:
            return []
        return list(
            Task.objects.filter(case_id=case.pk, round=case.dispatch_round).order_by(
                "-is_lead", "pk"
            )
        )

    @staticmethod
    def _did(case: Case, action: str, task: Task | None = None) -> bool:
        events = CaseEvent.objects.filter(case_id=case.pk, action=action)
        return (events.filter(task_id=task.pk) if task is not None else events).exists()

    # --- deciding ------------------------------------------------------------------------------
    def next_move(
        self,
        case: Case,
        temperament: Temperament,
        *,
        last: datetime,
        tasks: list[Task] | None = None,
    ) -> Move | None:
        """The next move after ``last`` (the time of the case's latest move), or None when the
        case is finished or waits for someone the demo does not play (a stalled department).
        ``tasks`` (the current round's) are read when needed and not given."""
        t, hold, status = temperament, temperament.hold, case.status
        if status in (CaseStatus.CLOSED, CaseStatus.VOIDED) or status == hold:
            return None

        def after(kind: str, salt: object = "") -> datetime:
            return last + story.wait(self.rng(case, kind, salt), kind, t)

        if status == CaseStatus.REPORTED:
            return Move("file", after("file"))
        if status == CaseStatus.VERIFYING:
            if case.verified_at is None:
                return Move("verify", after("verify"))
            return Move("void", after("void")) if t.void else Move("file", after("file"))
        if status == CaseStatus.FILED:
            if case.needs_fallback and hold == "returned":
                return None
            if t.upgrade and case.priority != Priority.URGENT and not case.needs_fallback:
                return Move("upgrade", after("upgrade"))
            return Move("route", after("route"))
        if status == CaseStatus.SUSPENDED:
            return Move("resume", after("resume"))
        if status == CaseStatus.DISPOSED:
            return Move("start_check", after("start_check"))
        if status == CaseStatus.CHECKING:
            if case.check_passed_at is not None:
                return None if hold == "check_passed" else Move("close", after("close"))
            if hold == "checking":
                return None
            if t.rework and case.rework_count == 0:
                return Move("check_fail", after("check"))
            return Move("check_pass", after("check"))
        if status == CaseStatus.DISPATCHED:
            tasks = self.tasks(case) if tasks is None else tasks
            moves = [m for task in tasks if (m := self._task_move(case, task, t, last))]
            return min(moves, key=lambda m: m.due) if moves else None
        return None

    def _task_move(self, case: Case, task: Task, t: Temperament, last: datetime) -> Move | None:
        hold = t.hold

        def after(kind: str) -> datetime:
            return last + story.wait(self.rng(case, kind, task.pk), kind, t)

        if task.status in (TaskStatus.PENDING, TaskStatus.REWORK):
            if hold == "dispatched":
                return None
            if t.returned and task.is_lead and case.returned_count == 0 and task.round == 1:
                return Move("return", after("return"), task)
            return Move("accept", after("accept"), task)
        if task.status == TaskStatus.EXTENSION_REQUESTED:
            if hold == "extension_requested":
                return None
            kind = "approve_extension" if t.extension == "approve" else "reject_extension"
            return Move(kind, after("decide_extension"), task)
        if task.status != TaskStatus.ACCEPTED or hold == "accepted" or t.stall:
            return None
        allowed = task.deadline_at - task.started_at
        if t.extension and task.is_lead:
            if not self._did(case, CaseAction.REQUEST_EXTENSION, task):
                share_due = task.started_at + allowed * EXTENSION_AT_SHARE
                due = last + story.FAST if t.fast else max(share_due, last + story.FAST)
                return Move("request_extension", due, task)
        if t.suspend and task.is_lead and not self._did(case, CaseAction.SUSPEND):
            return Move("suspend", after("suspend"), task)
        if t.fast:
            return Move("dispose", last + story.FAST, task)
        share = story.dispose_share(self.rng(case, "dispose", task.pk), t)
        due = max(task.started_at + allowed * share, last + story.MIN_WORK)
        return Move("dispose", due, task)

    # --- acting --------------------------------------------------------------------------------
    def perform(self, move: Move, case: Case, *, now: datetime | None = None) -> Case:
        """Make ``move`` through the services at ``now``; returns the case as it now stands."""
        cast, path, kind = self.cast, case.area_path, move.kind
        task = move.task
        if kind == "verify":
            case_services.case_verify(case=case, actor=cast.inspector_for(path), now=now)
        elif kind == "void":
            case_services.case_void(case=case, actor=cast.shift_leader, reason=VOID_REASON, now=now)
        elif kind == "file":
            standard = self.standard_for(case)
            if standard is None:
                case_services.case_void(
                    case=case, actor=cast.shift_leader, reason=NO_STANDARD_REASON, now=now
                )
            else:
                case_services.case_file(
                    case=case, actor=cast.shift_leader, standard=standard, now=now
                )
        elif kind == "upgrade":
            case_services.case_upgrade(
                case=case, actor=cast.dispatcher_for(path), reason=UPGRADE_REASON, now=now
            )
        elif kind == "route":
            dispatch_services.route(case=case, actor=cast.dispatcher_for(path), now=now)
        elif kind == "resume":
            case_services.case_resume(
                case=case, actor=cast.dispatcher_for(path), note=RESUME_NOTE, now=now
            )
        elif kind == "start_check":
            case_services.case_start_check(case=case, actor=cast.inspector_for(path), now=now)
        elif kind == "check_pass":
            case_services.case_check_pass(
                case=case, actor=cast.inspector_for(path), note=CHECK_PASS_NOTE, now=now
            )
        elif kind == "check_fail":
            case_services.case_check_fail(
                case=case, actor=cast.inspector_for(path), reason=CHECK_FAIL_REASON, now=now
            )
        elif kind == "close":
            case_services.case_close(case=case, actor=cast.shift_leader, note=CLOSE_NOTE, now=now)
        elif kind == "suspend":
            case_services.case_suspend(
                case=case, actor=cast.dispatcher_for(path), reason=SUSPEND_REASON, now=now
            )
        else:
            return self._perform_task_move(move, case, task, now=now)
        return case

    def _perform_task_move(self, move: Move, case: Case, task: Task, *, now) -> Case:
        disposer = self.cast.disposer_for(task.department_id)
        kind = move.kind
        if kind == "accept":
            case_services.task_accept(task=task, actor=disposer, now=now)
        elif kind == "return":
            case_services.task_return(task=task, actor=disposer, reason=RETURN_REASON, now=now)
        elif kind == "request_extension":
            case_services.task_request_extension(
                task=task,
                actor=disposer,
                amount=_half(task.time_limit),
                reason=EXTENSION_REASON,
                now=now,
            )
        elif kind == "approve_extension":
            case_services.task_approve_extension(
                task=task, actor=self.cast.dispatcher_for(case.area_path), now=now
            )
        elif kind == "reject_extension":
            case_services.task_reject_extension(
                task=task,
                actor=self.cast.dispatcher_for(case.area_path),
                reason=EXTENSION_REJECTED,
                now=now,
            )
        elif kind == "dispose":
            case_services.task_dispose(
                task=task,
                actor=disposer,
                photos=[photos.photo(photos.AFTER, case.pk)],
                note=DISPOSE_NOTE,
                now=now,
            )
        else:  # pragma: no cover - programming error
            raise ValueError(f"unknown move {kind!r}")
        return task.case if Task.case.is_cached(task) else Case.objects.get(pk=case.pk)

    # --- filing standards ----------------------------------------------------------------------
    def standard_for(self, case: Case) -> FilingStandard | None:
        """The condition the case is filed under: one of its category's standards (the first
        most often), or one of the same code in the other kind (部件 X vs 事项 "X 异常")."""
        if case.pk in self.forced_standards:
            return self.forced_standards[case.pk]
        if case.category_id is None:
            return None
        if self._standards is None:
            self._standards = {}
            for standard in FilingStandard.objects.filter(is_active=True).select_related(
                "category"
            ):
                key = (standard.category.kind, standard.category.code)
                self._standards.setdefault(key, []).append(standard)
        category = case.category
        found = self._standards.get((category.kind, category.code)) or [
            s
            for (_kind, code), group in self._standards.items()
            if code == category.code
            for s in group
        ]
        return pick_standard(self.rng(case, "standard"), found) if found else None


def pick_standard(rng: random.Random, standards: list[FilingStandard]) -> FilingStandard:
    """The first (commonest) filing condition most often, another now and then."""
    return standards[0] if rng.random() < FIRST_STANDARD_SHARE else rng.choice(standards)


def _half(limit: Decimal) -> Decimal:
    """Half the task's limit, rounded up to a whole unit (at least 1)."""
    return max(Decimal(1), (Decimal(limit) / 2).to_integral_value(rounding=ROUND_CEILING))


def due_in_office(move: Move, temperament: Temperament, rng: random.Random) -> datetime:
    """When staff really make ``move``: showcase cases at once, others in working hours."""
    return move.due if temperament.fast else story.office(move.due, rng)


def later(moment: datetime, minimum: datetime) -> datetime:
    """Moves of one case never share an instant (the timeline keeps their order)."""
    return moment if moment > minimum else minimum + timedelta(seconds=1)
