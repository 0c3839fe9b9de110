"""The SLA scanner (时限扫描): flips stored lights, sends reminders and 督办 notices, escalates.

One ``scan(now)`` runs four bulk steps over the open, running tasks (status open, not suspended,
case dispatched), so 100 k open tasks cost a handful of indexed queries plus one small
transaction per task that actually changes:

1. park     states due for a look whose task stopped running (closed, suspended): clear
            ``next_check_at`` so they leave the due index; a parked state is recomputed when the
            task runs again.
2. track    running tasks without a state get one (green, next look at their yellow instant).
3. resync   running tasks whose clock moved (extension, resume, upgrade, rework) get their state
            recomputed; a light that fell (an extension after red) flips down without a notice.
4. act      states whose ``next_check_at`` has come: flip up (yellow -> reminder 催办 to the
            department, red -> supervision 督办), or escalate a red task one tier up by
            EscalationRule (升级督办).

Every flip and escalation is a compare-and-swap on the state row
(``filter(pk=..., light=old, escalation_level=old).update(...)``, row count checked) inside its
own transaction with its history rows (LightFlip / Supervision, and the case's trail event
through ``cases.services.case_record_supervision``: ``sla_warning`` 黄灯预警催办, ``sla_overdue``
红灯超时督办, ``escalate`` 升级督办, ``sla_cleared`` 时限灯回落) and its queued notices, so two
workers never double-act and running the scan twice sends one notice and writes one event.
A case that left ``dispatched`` after the scan read it refuses the event (Conflict): the flip
rolls back and counts as lost; the next scan parks the state.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cases import sla
from cases.models import Task
from cases.services import case_record_supervision
from cases.sla import Light
from cases.states import OPEN_TASK_STATUSES, CaseAction, CaseStatus
from core.errors import Conflict
from dispatch import notices, selectors
from dispatch.models import (
    EscalationRule,
    LightFlip,
    SlaState,
    Supervision,
    SupervisionKind,
    department_data,
)
from org.models import Department

logger = logging.getLogger(__name__)

RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
BATCH = 1000
# Look again this soon when a threshold computed to the second was not quite reached (working
# time rounding at a window edge); cheap, and only for the odd task.
RECHECK = timedelta(seconds=60)
# A flip seen more than this after the light really changed is marked as seen late.
LATE_SIGHTING = timedelta(hours=1)
# Thresholds are "strictly past": red is > 100 %, so look a little after the exact instant.
MARGIN_SECONDS = 2
SHARE_CAP = Decimal("99999")


@dataclass
class ScanReport:
    now: datetime
    parked: int = 0
    tracked: int = 0
    resynced: int = 0
    checked: int = 0
    yellow: int = 0
    red: int = 0
    cleared: int = 0
    escalated: int = 0
    lost: int = 0  # compare-and-swap lost to another worker: they did it
    seconds: float = 0.0
    flipped_tasks: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data.pop("flipped_tasks")
        return data


def running_tasks() -> QuerySet[Task]:
    """Tasks whose clock runs: open, not suspended, on a dispatched case."""
    return Task.objects.filter(
        status__in=OPEN_TASK_STATUSES,
        paused_at__isnull=True,
        case__status=CaseStatus.DISPATCHED,
    )


def _not_running() -> Q:
    return (
        ~Q(task__status__in=OPEN_TASK_STATUSES)
        | Q(task__paused_at__isnull=False)
        | ~Q(task__case__status=CaseStatus.DISPATCHED)
    )


def _running() -> Q:
    return Q(
        task__status__in=OPEN_TASK_STATUSES,
        task__paused_at__isnull=True,
        task__case__status=CaseStatus.DISPATCHED,
    )


def _in_chunks(ids: list[int], load):
    """Rows by primary key, BATCH at a time. The ids are read first: the loop writes to the
    tables it reads, and SQLite gives no isolation between statements of one connection."""
    for i in range(0, len(ids), BATCH):
        yield from load(ids[i : i + BATCH])


# --- clock arithmetic (in process, no queries) ---------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The clock fields of a task, enough to place its thresholds (read without model rows)."""

    started_at: datetime
    deadline_at: datetime
    unit: str
    paused_seconds: int
    area_class: str | None

    @classmethod
    def of(cls, task: Task) -> Clock:
        return cls(
            task.started_at,
            task.deadline_at,
            task.time_unit,
            task.paused_seconds,
            task.case.area_class or None,
        )

    def allowed(self) -> int:
        return sla.allowed_seconds(
            self.started_at, self.deadline_at, self.unit, self.paused_seconds, self.area_class
        )

    def yellow_at(self) -> datetime:
        """When 80 % of the allowed time is used (rounded up to the second)."""
        warn = math.ceil(self.allowed() * sla.YELLOW_FROM) + self.paused_seconds
        return sla.push(self.started_at, warn, self.unit, self.area_class)

    def red_at(self) -> datetime:
        return sla.push(self.deadline_at, MARGIN_SECONDS, self.unit, self.area_class)

    def escalation_delay(self, rule: EscalationRule) -> int:
        """Seconds of the task's clock past the deadline after which ``rule`` escalates."""
        options = []
        if rule.after_hours is not None:
            options.append(int(rule.after_hours * 3600))
        if rule.after_percent is not None:
            options.append(self.allowed() * rule.after_percent // 100)
        return min(options)

    def escalation_at(self, rule: EscalationRule) -> datetime:
        delay = self.escalation_delay(rule) + MARGIN_SECONDS
        return sla.push(self.deadline_at, delay, self.unit, self.area_class)

    def overdue(self, now: datetime) -> int:
        return sla.working_seconds(self.deadline_at, now, self.unit, self.area_class)


class _Scan:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.report = ScanReport(now=now)
        self.rules = {r.from_level: r for r in EscalationRule.objects.filter(is_active=True)}
        self._targets: dict[int, Department | None] = {}
        self._phones: dict[int, list[str]] = {}

    # --- helpers ---------------------------------------------------------------------------------
    def tier(self, state: SlaState, task: Task) -> Department:
        return state.escalated_to if state.escalated_to_id else task.department

    def next_check(self, light: str, task: Task, tier: Department) -> datetime | None:
        clock = Clock.of(task)
        if light == Light.GREEN:
            return clock.yellow_at()
        if light == Light.YELLOW:
            return clock.red_at()
        rule = self.rules.get(tier.level)
        return clock.escalation_at(rule) if rule is not None else None

    def target(self, department: Department) -> Department | None:
        if department.pk not in self._targets:
            self._targets[department.pk] = selectors.escalation_target(department)
        return self._targets[department.pk]

    # --- 1. park -------------------------------------------------------------------------------
    def park(self) -> None:
        self.report.parked = SlaState.objects.filter(
            Q(next_check_at__lte=self.now) & _not_running()
        ).update(next_check_at=None, deadline_at=None)

    # --- 2. track ------------------------------------------------------------------------------
    def track(self) -> None:
        # Plain tuples, not model rows: on a first run over a backlog this is every open task.
        ids = list(running_tasks().filter(sla_state__isnull=True).values_list("pk", flat=True))
        fields = ("pk", "started_at", "deadline_at", "time_unit", "paused_seconds")
        load = Task.objects.order_by("pk").values_list(*fields, "case__area_class")
        batch: list[SlaState] = []
        for row in _in_chunks(ids, lambda chunk: load.filter(pk__in=chunk)):
            pk, started, deadline, unit, paused, area_class = row
            clock = Clock(started, deadline, unit, paused, area_class or None)
            due = clock.yellow_at()
            batch.append(
                SlaState(
                    task_id=pk,
                    light=Light.GREEN,
                    started_at=started,
                    deadline_at=deadline,
                    yellow_at=due,
                    next_check_at=due,
                )
            )
            if len(batch) >= BATCH:
                self._create(batch)
                batch = []
        self._create(batch)

    def _create(self, batch: list[SlaState]) -> None:
        if batch:
            # Two scanners may track the same new task: the second insert is ignored.
            SlaState.objects.bulk_create(batch, batch_size=BATCH, ignore_conflicts=True)
            self.report.tracked += len(batch)

    # --- 3. resync -----------------------------------------------------------------------------
    def resync(self) -> None:
        moved = (
            running_tasks()
            .filter(sla_state__isnull=False)
            .filter(
                Q(sla_state__deadline_at__isnull=True)
                | ~Q(deadline_at=F("sla_state__deadline_at"))
                | ~Q(started_at=F("sla_state__started_at"))
            )
            .values_list("pk", flat=True)
        )
        load = Task.objects.select_related("case", "department", "sla_state__escalated_to")
        for task in _in_chunks(list(moved), lambda chunk: load.filter(pk__in=chunk)):
            self._resync_one(task, task.sla_state)

    def _resync_one(self, task: Task, state: SlaState) -> None:
        fresh_clock = state.started_at != task.started_at  # rework: a new clock, a new chance
        share = sla.progress(task, self.now, area_class=task.case.area_class or None)
        light = sla.light_of(share)
        fields = {
            "started_at": task.started_at,
            "deadline_at": task.deadline_at,
            "yellow_at": Clock.of(task).yellow_at(),
        }
        if fresh_clock:
            fields.update(escalation_level=0, escalated_to=None, escalated_at=None)
            tier = task.department
        else:
            tier = self.tier(state, task)
        down = RANK[light] < RANK[state.light]
        kept = light if down else state.light
        # A light that rose is flipped by the act step (with its notice): look at it now.
        fields["next_check_at"] = (
            self.now if RANK[light] > RANK[state.light] else self.next_check(kept, task, tier)
        )
        try:
            with transaction.atomic():
                if down:
                    fields.update(light=light, flipped_at=self.now)
                won = SlaState.objects.filter(
                    pk=state.pk, light=state.light, escalation_level=state.escalation_level
                ).update(**fields)
                if not won:
                    self.report.lost += 1
                    return
                if down:
                    self._flip_row(task, state.light, light, share)
                    markers = {"overdue_at": None}
                    if light == Light.GREEN:
                        markers["warned_at"] = None
                    Task.objects.filter(pk=task.pk).update(**markers)
                    self._trail(task, CaseAction.SLA_CLEARED, _flip_data(task, state, light, share))
        except Conflict:  # the case stopped running meanwhile: nothing happened
            self.report.lost += 1
            return
        self.report.resynced += 1
        if down:
            self.report.cleared += 1

    # --- 4. act --------------------------------------------------------------------------------
    def act(self) -> None:
        due = (
            SlaState.objects.filter(_running(), next_check_at__lte=self.now)
            .order_by("next_check_at")
            .values_list("pk", flat=True)
        )
        load = SlaState.objects.select_related(
            "task__case__category", "task__department__area", "escalated_to__area"
        ).order_by("next_check_at")
        for state in _in_chunks(list(due), lambda chunk: load.filter(pk__in=chunk)):
            self.report.checked += 1
            try:
                self._act_one(state, state.task)
            except Exception:  # one broken task must not stop the scan of the others
                logger.exception("SLA scan failed on task %s", state.task_id)

    def _act_one(self, state: SlaState, task: Task) -> None:
        share = sla.progress(task, self.now, area_class=task.case.area_class or None)
        light = sla.light_of(share)
        tier = self.tier(state, task)
        if RANK[light] > RANK[state.light]:
            self._flip_up(state, task, light, share, tier)
        elif state.light == Light.RED:
            self._maybe_escalate(state, task, tier)
        else:
            self._reschedule(state, self.next_check(state.light, task, tier))

    def _reschedule(self, state: SlaState, when: datetime | None) -> None:
        if when is not None and when <= self.now:
            when = self.now + RECHECK
        SlaState.objects.filter(
            pk=state.pk, light=state.light, escalation_level=state.escalation_level
        ).update(next_check_at=when)

    def _flip_row(self, task: Task, old: str, new: str, share: Decimal) -> None:
        LightFlip.objects.create(
            task=task,
            case_id=task.case_id,
            at=self.now,
            from_light=old,
            to_light=new,
            share=min(share, SHARE_CAP).quantize(Decimal("0.0001")),
            deadline_at=task.deadline_at,
        )

    def _flip_up(
        self, state: SlaState, task: Task, light: str, share: Decimal, tier: Department
    ) -> None:
        try:
            with transaction.atomic():
                won = SlaState.objects.filter(
                    pk=state.pk, light=state.light, escalation_level=state.escalation_level
                ).update(
                    light=light,
                    flipped_at=self.now,
                    next_check_at=self.next_check(light, task, tier),
                )
                if not won:
                    self.report.lost += 1
                    return
                self._flip_row(task, state.light, light, share)
                if light == Light.YELLOW:
                    Task.objects.filter(pk=task.pk, warned_at__isnull=True).update(
                        warned_at=self.now
                    )
                    kind, action = SupervisionKind.REMINDER, CaseAction.SLA_WARNING
                else:
                    Task.objects.filter(pk=task.pk, overdue_at__isnull=True).update(
                        overdue_at=self.now
                    )
                    kind, action = SupervisionKind.SUPERVISE, CaseAction.SLA_OVERDUE
                level = state.escalation_level
                record = self._supervise(task, kind=kind, to=task.department, level=level)
                data = {
                    **_flip_data(task, state, light, share),
                    **self._sighting(task, light),
                    **record.trail_data(),
                }
                self._trail(task, action, data, note=record.message)
        except Conflict:  # the case stopped running meanwhile: no flip, no notice
            self.report.lost += 1
            return
        if light == Light.YELLOW:
            self.report.yellow += 1
        else:
            self.report.red += 1
        self.report.flipped_tasks.append(task.pk)

    def _sighting(self, task: Task, light: str) -> dict:
        """When the light really changed, if the scanner sees it much later (its first run
        over old cases, or after it was down): the trail then says so instead of letting a
        督办 stamped today pass for one sent on time."""
        if light == Light.RED:
            became = task.deadline_at
        else:
            became = sla.yellow_at(task, area_class=task.case.area_class or None)
        if self.now - became <= LATE_SIGHTING:
            return {}
        return {"since": became.isoformat(), "seen_late": True}

    def _maybe_escalate(self, state: SlaState, task: Task, tier: Department) -> None:
        rule = self.rules.get(tier.level)
        if rule is None:
            self._reschedule(state, None)
            return
        clock = Clock.of(task)
        if clock.overdue(self.now) < clock.escalation_delay(rule) + 1:
            self._reschedule(state, clock.escalation_at(rule))
            return
        target = self.target(tier)
        if target is None:
            logger.warning("Task %s: no tier above %s to escalate to", task.pk, tier)
            self._reschedule(state, None)
            return
        level = state.escalation_level + 1
        try:
            with transaction.atomic():
                won = SlaState.objects.filter(
                    pk=state.pk, light=state.light, escalation_level=state.escalation_level
                ).update(
                    escalation_level=level,
                    escalated_to=target,
                    escalated_at=self.now,
                    next_check_at=self.next_check(Light.RED, task, target),
                )
                if not won:
                    self.report.lost += 1
                    return
                record = self._supervise(
                    task, kind=SupervisionKind.ESCALATE, to=target, level=level
                )
                data = {
                    "light": state.light,
                    "from_department": department_data(tier),
                    **record.trail_data(),
                }
                self._trail(task, CaseAction.ESCALATE, data, note=record.message)
        except Conflict:  # the case stopped running meanwhile: no escalation
            self.report.lost += 1
            return
        self.report.escalated += 1

    def _trail(self, task: Task, action: str, data: dict, note: str = "") -> None:
        """The flip's event on the case's trail (actor None: the system), same transaction."""
        case_record_supervision(task=task, action=action, data=data, note=note, now=self.now)

    def _supervise(self, task: Task, *, kind: str, to: Department, level: int) -> Supervision:
        notice = notices.compose(kind=kind, case=task.case, task=task, level=level)
        deadline_key = int(task.deadline_at.timestamp())
        key = f"dispatch:{kind}:{task.pk}:{deadline_key}:{level}"
        if to.pk not in self._phones:
            self._phones[to.pk] = notices.recipients_of(to)
            if not self._phones[to.pk]:  # once per department and scan, not once per task
                logger.warning("No phone for %s (%s): its SLA notices are not sent", to, to.pk)
        phones = notices.send(
            department=to, case=task.case, notice=notice, key=key, phones=self._phones[to.pk]
        )
        return Supervision.objects.create(
            case_id=task.case_id,
            task=task,
            kind=kind,
            level=level,
            to_department=to,
            sent_at=self.now,
            message=notice.body,
            recipients=phones,
        )


def _flip_data(task: Task, state: SlaState, light: str, share: Decimal) -> dict:
    return {
        "light": light,
        "from_light": state.light,
        "share": str(min(share, SHARE_CAP).quantize(Decimal("0.0001"))),
        "deadline_at": task.deadline_at.isoformat(),
        "level": state.escalation_level,
    }


def scan(now: datetime | None = None) -> ScanReport:
    """One pass of the SLA scanner at ``now`` (default: the current time)."""
    started = time.perf_counter()
    runner = _Scan(now if now is not None else timezone.now())
    runner.park()
    runner.track()
    runner.resync()
    runner.act()
    runner.report.seconds = round(time.perf_counter() - started, 4)
    return runner.report
