"""The rows a finished case leaves, built as the services would have left them.

For a closed hotline case (untrusted source) the trail is what ``case_report`` ->
``case_verify`` -> ``case_file`` -> ``case_dispatch`` -> ``task_accept`` -> ``task_dispose`` ->
(``case_start_check``) -> ``case_check_pass`` -> ``case_close`` write: one CaseEvent per move with
the same from/to statuses and data, ``version`` = number of events (each move bumps it once,
from 1), one lead Task of round 1 with its limit from the filing standard and its working-time
deadline from the dispatch time, the case's stamps (``filed_at`` ...), and the IntakeReport a
live receipt leaves. A voided case has report -> (verify) -> (file) -> void. The evaluation
facts (考核事实) of each filed case and of its task go in the same write, and what they add to
the rollups in the same transaction, so an imported year is evaluated at once, as the backfill
would have counted it (``evaluation.facts.history_facts``). Actors are
unknown for history (NULL, like a channel's own moves). The case number is the live format
(prefix + local day + sequence), taken from the same daily sequence as live reports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

from django.utils import timezone

from cases import sla
from cases.models import Case, CaseEvent, Task
from cases.numbering import case_number_prefix, format_case_number
from cases.states import CaseAction, CaseStatus, Priority, TaskStatus
from core import workcalendar
from core.rows import transient
from evaluation import facts as evaluation_facts
from evaluation import rollups
from evaluation.facts import CASE_FACT_FIELDS, FACT_FIELDS
from evaluation.models import CaseFact, TaskFact
from hotline.historical.plan import Planned
from hotline.historical.writers import Batch, TableSpec, Writer
from intake.models import IntakeReport, Outcome


def _plain(choices) -> SimpleNamespace:
    """Member name -> value as a plain str: enum member access costs ~1 us in the row loop, and
    the COPY writer adapts a plain str fastest."""
    return SimpleNamespace(**{member.name: str(member.value) for member in choices})


A = _plain(CaseAction)  # A.REPORT == "report"
S = _plain(CaseStatus)
TASK_DISPOSED = TaskStatus.DISPOSED.value
CREATED = Outcome.CREATED.value
URGENT = Priority.URGENT.value

CASE = TableSpec.of(
    Case,
    (
        "id",
        "created_at",
        "updated_at",
        "number",
        "source",
        "source_ref",
        "trusted",
        "status",
        "version",
        "priority",
        "category_id",
        "standard_id",
        "description",
        "lon",
        "lat",
        "grid_id",
        "area_id",
        "area_path",
        "area_class",
        "address",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "reported_at",
        "verified_at",
        "verify_finding",
        "filed_at",
        "dispatched_at",
        "disposed_at",
        "check_passed_at",
        "closed_at",
        "dispatch_round",
    ),
)
TASK = TableSpec.of(
    Task,
    (
        "id",
        "created_at",
        "updated_at",
        "case_id",
        "department_id",
        "status",
        "time_limit",
        "time_unit",
        "started_at",
        "deadline_at",
        "accepted_at",
        "disposed_at",
    ),
)
EVENT = TableSpec.of(
    CaseEvent,
    ("case_id", "task_id", "at", "action", "from_status", "to_status", "reason", "note", "data"),
)
INTAKE = TableSpec.of(
    IntakeReport,
    (
        "created_at",
        "updated_at",
        "source",
        "external_id",
        "outcome",
        "case_id",
        "description",
        "category_id",
        "priority",
        "trusted",
        "lon",
        "lat",
        "grid_id",
        "area_id",
        "address",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "payload",
        "received_at",
    ),
)
TASK_FACT = TableSpec.of(TaskFact, ("task_id", *FACT_FIELDS, "updated_at"))
CASE_FACT = TableSpec.of(CaseFact, ("case_id", *CASE_FACT_FIELDS, "updated_at"))
EMPTY = "{}"
LATE_BY = timedelta(seconds=1)  # a case the source calls late was due just before its disposal
DISPOSED_ON_TIME = json.dumps({"evidence": [], "on_time": True, "case_disposed": True})
DISPOSED_LATE = json.dumps({"evidence": [], "on_time": False, "case_disposed": True})


class RowBuilder:
    """Turns checked rows into table rows; caches what repeats (limits, calendars, event data)."""

    def __init__(self, *, run_id: int, now: datetime) -> None:
        self.run_id = run_id
        self.now = now
        self.prefix = case_number_prefix()
        self.local_tz = timezone.get_default_timezone()
        self._limits: dict[tuple, tuple[Decimal, str, str]] = {}
        self._calendars: dict[str, workcalendar.WorkingCalendar] = {}
        self._report_data: dict[tuple, str] = {}
        self._file_data: dict[tuple, str] = {}
        self._dept_json: dict[int, tuple[str, str]] = {}

    # --- cached pieces --------------------------------------------------------------------------
    def _limit(self, p: Planned, area_class: str) -> tuple[Decimal, str, str]:
        key = (p.standard.id, area_class, p.priority)
        found = self._limits.get(key)
        if found is None:
            amount, unit = sla.limit_for(
                p.standard.standard, area_class, urgent=p.priority == URGENT
            )
            found = self._limits[key] = (amount, unit, str(amount))
        return found

    def _calendar(self, area_class: str) -> workcalendar.WorkingCalendar:
        cal = self._calendars.get(area_class)
        if cal is None:
            cal = self._calendars[area_class] = workcalendar.get_calendar(area_class or None)
        return cal

    def _report(self, p: Planned) -> str:
        key = (p.source, p.trusted)
        data = self._report_data.get(key)
        if data is None:
            data = self._report_data[key] = json.dumps(
                {
                    "source": p.source,
                    "trusted": p.trusted,
                    "photos": [],
                    "import_run": self.run_id,
                }
            )
        return data

    def _file(self, p: Planned) -> str:
        key = (p.standard.code, p.priority)
        data = self._file_data.get(key)
        if data is None:
            data = self._file_data[key] = json.dumps(
                {"standard": p.standard.code, "priority": p.priority}
            )
        return data

    def _dept(self, p: Planned) -> tuple[str, str, str]:
        """The department's code, its code list and its name list as JSON, as dispatch writes them."""
        found = self._dept_json.get(p.department.pk)
        if found is None:
            code = json.dumps(p.department.code)
            name = json.dumps(p.department.name, ensure_ascii=False)
            found = self._dept_json[p.department.pk] = (code, f"[{code}]", f"[{name}]")
        return found

    # --- a batch --------------------------------------------------------------------------------
    def numbers(self, planned: list[Planned], writer: Writer) -> list[str]:
        """Case numbers in the live format, reserved from the daily sequences."""
        days = [p.times["reported_at"].astimezone(self.local_tz).date() for p in planned]
        wanted: dict = defaultdict(int)
        for day in days:
            wanted[day] += 1
        next_seq = {day: writer.reserve_numbers(day, n) for day, n in sorted(wanted.items())}
        numbers = []
        for day in days:
            seq = next_seq[day]
            next_seq[day] = seq + 1
            numbers.append(format_case_number(day, seq, self.prefix))
        return numbers

    def build(self, planned: list[Planned], writer: Writer) -> Batch:
        """Every row of ``planned`` (checked, located, not yet imported) for one write."""
        numbers = self.numbers(planned, writer)
        case_ids = writer.reserve_ids(Case, len(planned))
        dispatched = sum(1 for p in planned if p.status == S.CLOSED)
        task_ids = iter(writer.reserve_ids(Task, dispatched))
        cases, tasks, events, reports = [], [], [], []
        task_facts: list[TaskFact] = []
        case_facts: list[CaseFact] = []
        stamp = writer.stamp  # each time is formatted once, though several rows carry it
        now = stamp(self.now)
        for p, number, case_id in zip(planned, numbers, case_ids, strict=True):
            t = p.times
            ts = {name: stamp(moment) for name, moment in t.items()}
            grid, area = p.grid, p.area
            area_path = grid.path if grid is not None else area.path
            area_class = grid.area_class if grid is not None else ""
            reported = ts["reported_at"]
            first = S.REPORTED if p.trusted else S.VERIFYING
            ev = events.append
            ev((case_id, None, reported, A.REPORT, "", first, "", "", self._report(p)))
            status, verified = first, ts.get("verified_at")
            if verified is not None:
                ev((case_id, None, verified, A.VERIFY, status, status, "", "", EMPTY))
            filed = ts.get("filed_at")
            if filed is not None:
                ev((case_id, None, filed, A.FILE, status, S.FILED, "", "", self._file(p)))
                status = S.FILED
            if p.status == S.CLOSED:
                task_id = next(task_ids)
                dispatched_at, disposed = ts["dispatched_at"], ts["disposed_at"]
                amount, unit, amount_text = self._limit(p, area_class)
                # The source's own deadline when the file has one; else the standard's limit.
                due = t.get("deadline_at") or self._calendar(area_class).add(
                    t["dispatched_at"], amount, unit
                )
                if p.on_time is not None and (t["disposed_at"] <= due) != p.on_time:
                    # The source's own verdict (是否按期) wins: the deadline moves just enough
                    # to agree with it, so every rate computed from it says the same.
                    due = t["disposed_at"] - (timedelta(0) if p.on_time else LATE_BY)
                deadline = stamp(due)
                code, codes, names = self._dept(p)
                dispatch_data = (
                    f'{{"round": 1, "lead": {code}, "departments": {codes}, '
                    f'"department_names": {names}, '
                    f'"time_limit": "{amount_text}", "time_unit": "{unit}", '
                    f'"deadline_at": "{due.isoformat()}"}}'
                )
                ev((case_id, task_id, dispatched_at, A.DISPATCH, S.FILED, S.DISPATCHED, "", "",
                    dispatch_data))  # fmt: skip
                accepted = ts["accepted_at"]
                ev((case_id, task_id, accepted, A.ACCEPT, S.DISPATCHED, S.DISPATCHED, "", "",
                    EMPTY))  # fmt: skip
                on_time = DISPOSED_ON_TIME if t["disposed_at"] <= due else DISPOSED_LATE
                ev((case_id, task_id, disposed, A.DISPOSE, S.DISPATCHED, S.DISPOSED, "",
                    p.dispose_note, on_time))  # fmt: skip
                status = S.DISPOSED
                started = ts.get("check_started_at")
                if started is not None:
                    ev((case_id, None, started, A.START_CHECK, status, S.CHECKING, "", "", EMPTY))
                    status = S.CHECKING
                passed, closed = ts["check_passed_at"], ts["closed_at"]
                ev((case_id, None, passed, A.CHECK_PASS, status, S.CHECKING, "", "", EMPTY))
                ev((case_id, None, closed, A.CLOSE, S.CHECKING, S.CLOSED, "", p.close_note, EMPTY))
                tasks.append(
                    (task_id, now, disposed, case_id, p.department.pk, TASK_DISPOSED,
                     amount_text, unit, dispatched_at, deadline, accepted, disposed)
                )  # fmt: skip
                task = transient(
                    Task, id=task_id, case_id=case_id, department_id=p.department.pk,
                    status=TASK_DISPOSED, time_unit=unit, started_at=t["dispatched_at"],
                    deadline_at=due, disposed_at=t["disposed_at"], is_lead=True, round=1,
                )  # fmt: skip
                # report, file, dispatch, accept, dispose, check_pass, close (+ verify, start)
                last, version = closed, 7 + (verified is not None) + (started is not None)
                standard_id = p.standard.id
                dispatched_at_col, disposed_col, passed_col, closed_col, rounds = (
                    dispatched_at, disposed, passed, closed, 1)  # fmt: skip
            else:
                last = ts["voided_at"]
                ev((case_id, None, last, A.VOID, status, S.VOIDED, p.void_reason, "", EMPTY))
                version = 2 + (verified is not None) + (filed is not None)
                standard_id = p.standard.id if filed is not None else None
                dispatched_at_col = disposed_col = passed_col = closed_col = None
                rounds = 0
                task = None
            grid_id = grid.id if grid is not None else None
            area_id = area.id if area is not None else None
            cases.append(
                (case_id, now, last, number, p.source, p.external_id, p.trusted, p.status,
                 version, p.priority, p.category_id, standard_id, p.description, p.lon, p.lat,
                 grid_id, area_id, area_path, area_class, p.address, p.reporter_name,
                 p.reporter_phone, p.reporter_email, reported, verified,
                 "confirmed" if verified is not None else "", filed, dispatched_at_col,
                 disposed_col, passed_col, closed_col, rounds)
            )  # fmt: skip
            if filed is not None:
                case = transient(
                    Case, id=case_id, source=p.source, status=p.status, priority=p.priority,
                    category_id=p.category_id, area_path=area_path, area_class=area_class,
                    filed_at=t["filed_at"], disposed_at=t.get("disposed_at"),
                    closed_at=t.get("closed_at"), dispatch_round=rounds,
                )  # fmt: skip
                own, fact = evaluation_facts.history_facts(
                    case, [task] if task else [], voided_at=t.get("voided_at")
                )
                task_facts += own
                case_facts.append(fact)
            reports.append(
                (now, now, p.source, p.external_id, CREATED, case_id, p.description,
                 p.category_id, p.priority, p.trusted, p.lon, p.lat, grid_id, area_id,
                 p.address, p.reporter_name, p.reporter_phone, p.reporter_email,
                 self._payload(p), reported)
            )  # fmt: skip
        return Batch(
            [
                (CASE, cases),
                (TASK, tasks),
                (EVENT, events),
                (INTAKE, reports),
                (TASK_FACT, [_row(f, "task_id", FACT_FIELDS, self.now) for f in task_facts]),
                (CASE_FACT, [_row(f, "case_id", CASE_FACT_FIELDS, self.now) for f in case_facts]),
            ],
            # what the facts add to the rollups, computed here (the writer thread only runs it)
            then=partial(rollups.write, rollups.prepare((), task_facts, (), case_facts)),
        )

    def _payload(self, p: Planned) -> str:
        # Built as text (json.dumps of a nested dict costs more than the rest of the row).
        hint = json.dumps(p.category_hint) if p.category_hint else '""'
        lon = "null" if p.input_lon is None else repr(p.input_lon)
        lat = "null" if p.input_lat is None else repr(p.input_lat)
        inferred = json.dumps(p.inferred) if p.inferred else "[]"
        return (
            f'{{"input": {{"lon": {lon}, "lat": {lat}, "crs": "{p.crs}", "category_hint": {hint}}}, '
            f'"data": {{"import_run": {self.run_id}, "line": {p.line}, "historical": true, '
            f'"inferred": {inferred}}}}}'
        )


def _row(fact, key: str, names: tuple[str, ...], now: datetime) -> tuple:
    """A fact as its COPY row (the columns of TASK_FACT / CASE_FACT)."""
    return (getattr(fact, key), *(getattr(fact, name) for name in names), now)
