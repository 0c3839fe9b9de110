"""Baseline of bench/lifecycle.py: the rows of one case lifecycle written as raw SQL.

Per case, in the same eight transactions the services use (one per move), the same statements
the services end up sending minus everything that is not a write: no permission or state-table
checks, no reads of the case or task, no lock, no image processing, no files. What is left is
the floor a database driver sets for those rows:

==========  ==============================================================================
report      bump the day's case-number sequence; INSERT case; INSERT event
file        UPDATE case (compare-and-swap on status + version); INSERT event
dispatch    UPDATE case; INSERT task; INSERT event
accept      UPDATE task (compare-and-swap on status); UPDATE case; INSERT event
dispose     INSERT evidence; UPDATE task; UPDATE case; INSERT event
start_check UPDATE case; INSERT event
check_pass  UPDATE case; INSERT event
close       UPDATE case; INSERT event
==========  ==============================================================================

It talks to the database through the plain DB-API driver (psycopg 3 or sqlite3), not Django.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

MOVES_PER_CASE = 8
NUMBER_PREFIX = "RAW"
SHANGHAI = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE: the case-number day is local


@dataclass(frozen=True)
class Refs:
    """Ids of the seeded rows the cases point at (the same ones the services use)."""

    grid_id: int
    area_path: str
    area_class: str
    lon: float
    lat: float
    standard_id: int
    category_id: int
    department_id: int
    inspector_id: int
    leader_id: int
    dispatcher_id: int
    disposer_id: int


class Driver:
    """The few differences between psycopg and sqlite3 that the statements care about."""

    def __init__(self, *, vendor: str, url: str = "", path: str = "", init_sql: str = "") -> None:
        self.vendor = vendor
        if vendor == "postgresql":
            import psycopg

            self.conn = psycopg.connect(url)
            self.begin_sql = None  # psycopg opens the transaction itself (as Django's atomic)
        else:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=20)
            # The same pragmas as Django's connection (WAL, synchronous=NORMAL, foreign keys).
            for statement in filter(None, (s.strip() for s in init_sql.split(";"))):
                self.conn.execute(statement)
            self.begin_sql = "BEGIN IMMEDIATE"  # as Django's sqlite backend in this project
        self.cur = self.conn.cursor()

    def sql(self, text: str) -> str:
        return text if self.vendor == "postgresql" else text.replace("%s", "?")

    def when(self, value: datetime | None):
        if value is None or self.vendor == "postgresql":
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def dec(self, value: Decimal):
        return value if self.vendor == "postgresql" else str(value)

    def begin(self) -> None:
        if self.begin_sql:
            self.cur.execute(self.begin_sql)

    def commit(self) -> None:
        if self.vendor == "postgresql":
            self.conn.commit()
        else:
            self.cur.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def _insert(table: str, columns: tuple[str, ...], returning: bool = False) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    tail = ' RETURNING "id"' if returning else ""
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks}){tail}'  # noqa: S608 - fixed names


CASE_COLUMNS = (
    "created_at", "updated_at", "number", "source", "source_ref", "trusted", "status", "version",
    "priority", "description", "lon", "lat", "area_path", "area_class", "address", "reporter_name",
    "reporter_phone", "reporter_email", "reported_at", "dispatch_round", "returned_count",
    "needs_fallback", "rework_count", "grid_id", "reported_by_id", "verify_finding",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "task_id", "actor_id", "at", "action", "from_status", "to_status", "reason", "note",
    "data",
)  # fmt: skip
TASK_COLUMNS = (
    "created_at", "updated_at", "case_id", "department_id", "round", "is_lead", "status",
    "time_limit", "time_unit", "extended", "started_at", "deadline_at", "paused_seconds",
    "rework_count", "extension_reason",
)  # fmt: skip
EVIDENCE_COLUMNS = (
    "created_at", "updated_at", "case_id", "task_id", "kind", "file", "thumbnail", "content_type",
    "size", "width", "height", "sha256", "original_name", "taken_at", "uploaded_by_id",
)  # fmt: skip

INSERT_CASE = _insert("cases_case", CASE_COLUMNS, returning=True)
INSERT_EVENT = _insert("cases_caseevent", EVENT_COLUMNS)
INSERT_TASK = _insert("cases_task", TASK_COLUMNS, returning=True)
INSERT_EVIDENCE = _insert("cases_evidence", EVIDENCE_COLUMNS)
BUMP_SEQUENCE = (
    'UPDATE "cases_casesequence" SET "last" = "last" + 1 WHERE "day" = %s RETURNING "last"'
)
INSERT_SEQUENCE = 'INSERT INTO "cases_casesequence" ("day", "last") VALUES (%s, 1)'


def _case_update(*fields: str) -> str:
    sets = ", ".join(f'"{f}" = %s' for f in ("status", "updated_at", *fields))
    return (
        f'UPDATE "cases_case" SET {sets}, "version" = "version" + 1 '  # noqa: S608 - fixed names
        'WHERE "id" = %s AND "status" = %s AND "version" = %s'
    )


def _task_update(*fields: str) -> str:
    sets = ", ".join(f'"{f}" = %s' for f in ("status", "updated_at", *fields))
    return f'UPDATE "cases_task" SET {sets} WHERE "id" = %s AND "status" = %s'  # noqa: S608


FILE_CASE = _case_update("standard_id", "category_id", "filed_at")
DISPATCH_CASE = _case_update("dispatched_at", "dispatch_round", "needs_fallback")
BUMP_CASE = _case_update()
DISPOSE_CASE = _case_update("disposed_at")
PASS_CASE = _case_update("check_passed_at")
CLOSE_CASE = _case_update("closed_at")
ACCEPT_TASK = _task_update("accepted_at", "assignee_id")
DISPOSE_TASK = _task_update("disposed_at", "extension_amount")

TIME_LIMIT = Decimal("4.00")


class RawLifecycle:
    """Drives cases report -> close with the statements above, one transaction per move."""

    def __init__(self, driver: Driver, refs: Refs, *, photo_size: int) -> None:
        self.d = driver
        self.refs = refs
        self.photo_size = photo_size
        self.s = {
            name: driver.sql(text)
            for name, text in {
                "case": INSERT_CASE,
                "event": INSERT_EVENT,
                "task": INSERT_TASK,
                "evidence": INSERT_EVIDENCE,
                "bump": BUMP_SEQUENCE,
                "sequence": INSERT_SEQUENCE,
                "file": FILE_CASE,
                "dispatch": DISPATCH_CASE,
                "bump_case": BUMP_CASE,
                "dispose_case": DISPOSE_CASE,
                "pass": PASS_CASE,
                "close": CLOSE_CASE,
                "accept_task": ACCEPT_TASK,
                "dispose_task": DISPOSE_TASK,
            }.items()
        }

    def _one(self, name: str, params) -> None:
        self.d.cur.execute(self.s[name], params)
        if self.d.cur.rowcount != 1:
            raise RuntimeError(f"baseline {name}: {self.d.cur.rowcount} rows changed, expected 1")

    def _event(self, case_id, task_id, actor_id, now, action, from_s, to_s, data) -> None:
        self.d.cur.execute(
            self.s["event"],
            (case_id, task_id, actor_id, self.d.when(now), action, from_s, to_s, "", "",
             json.dumps(data)),
        )  # fmt: skip

    def _number(self, now: datetime) -> str:
        day = now.astimezone(SHANGHAI).date()
        self.d.cur.execute(self.s["bump"], (day.isoformat(),))
        row = self.d.cur.fetchone()
        if row is None:
            self.d.cur.execute(self.s["sequence"], (day.isoformat(),))
            seq = 1
        else:
            seq = row[0]
        return f"{NUMBER_PREFIX}{day:%Y%m%d}{seq:05d}"

    def run_case(self, i: int) -> None:
        d, r, w = self.d, self.refs, self.d.when
        now = datetime.now(UTC)
        # report
        d.begin()
        number = self._number(now)
        d.cur.execute(
            self.s["case"],
            (w(now), w(now), number, "inspector", "", True, "reported", 1, "normal",
             f"Manhole cover missing outside No. {i}", r.lon, r.lat, r.area_path, r.area_class,
             "", "", "", "", w(now), 0, 0, False, 0, r.grid_id, r.inspector_id, ""),
        )  # fmt: skip
        case_id = d.cur.fetchone()[0]
        self._event(case_id, None, r.inspector_id, now, "report", "", "reported",
                    {"source": "inspector", "trusted": True, "photos": []})  # fmt: skip
        d.commit()
        # file
        d.begin()
        now = datetime.now(UTC)
        self._one("file", ("filed", w(now), r.standard_id, r.category_id, w(now), case_id,
                           "reported", 1))  # fmt: skip
        self._event(case_id, None, r.leader_id, now, "file", "reported", "filed",
                    {"standard": "BENCH", "priority": "normal"})  # fmt: skip
        d.commit()
        # dispatch
        d.begin()
        now = datetime.now(UTC)
        deadline = now + timedelta(hours=4)
        self._one("dispatch", ("dispatched", w(now), w(now), 1, False, case_id, "filed", 2))
        d.cur.execute(
            self.s["task"],
            (w(now), w(now), case_id, r.department_id, 1, True, "pending", d.dec(TIME_LIMIT),
             "work_hour", d.dec(Decimal(0)), w(now), w(deadline), 0, 0, ""),
        )  # fmt: skip
        task_id = d.cur.fetchone()[0]
        self._event(case_id, task_id, r.dispatcher_id, now, "dispatch", "filed", "dispatched",
                    {"round": 1, "lead": "BENCH", "departments": ["BENCH"], "time_limit": "4.00",
                     "time_unit": "work_hour", "deadline_at": deadline.isoformat()})  # fmt: skip
        d.commit()
        # accept
        d.begin()
        now = datetime.now(UTC)
        self._one("accept_task", ("accepted", w(now), w(now), r.disposer_id, task_id, "pending"))
        self._one("bump_case", ("dispatched", w(now), case_id, "dispatched", 3))
        self._event(case_id, task_id, r.disposer_id, now, "accept", "dispatched", "dispatched", {})
        d.commit()
        # dispose (the evidence row; no file is written)
        d.begin()
        now = datetime.now(UTC)
        stem = f"evidence/{now:%Y}/{now:%m}/{number}-000000000000"
        d.cur.execute(
            self.s["evidence"],
            (w(now), w(now), case_id, task_id, "after", f"{stem}.png", f"{stem}-thumb.jpg",
             "image/png", self.photo_size, 8, 8, "0" * 64, "after.png", w(now), r.disposer_id),
        )  # fmt: skip
        self._one("dispose_task", ("disposed", w(now), w(now), None, task_id, "accepted"))
        self._one("dispose_case", ("disposed", w(now), w(now), case_id, "dispatched", 4))
        self._event(case_id, task_id, r.disposer_id, now, "dispose", "dispatched", "disposed",
                    {"evidence": [0], "on_time": True, "case_disposed": True})  # fmt: skip
        d.commit()
        # start_check, check_pass, close
        d.begin()
        now = datetime.now(UTC)
        self._one("bump_case", ("checking", w(now), case_id, "disposed", 5))
        self._event(case_id, None, r.inspector_id, now, "start_check", "disposed", "checking", {})
        d.commit()
        d.begin()
        now = datetime.now(UTC)
        self._one("pass", ("checking", w(now), w(now), case_id, "checking", 6))
        self._event(case_id, None, r.inspector_id, now, "check_pass", "checking", "checking", {})
        d.commit()
        d.begin()
        now = datetime.now(UTC)
        self._one("close", ("closed", w(now), w(now), case_id, "checking", 7))
        self._event(case_id, None, r.leader_id, now, "close", "checking", "closed", {})
        d.commit()
