"""The two hot statements of a batch, in plain SQL (PostgreSQL and SQLite >= 3.33 alike).

Django's ``bulk_create`` builds a model instance and an expression tree per row, and
``bulk_update`` a CASE WHEN per row and column: at thousands of readings per second that
overhead, not the database, was the limit (bench/ingest.py profile: ~160 µs per reading inserted,
~1 ms per latest-value row updated). One multi-row ``INSERT ... ON CONFLICT DO NOTHING`` and one
``UPDATE ... FROM`` per chunk do the same work with the same guarantees. On PostgreSQL readings
are ``COPY``ed straight into their table (the driver's C path) in a savepoint, falling back to a
staging table and ``ON CONFLICT DO NOTHING`` when some were stored already (a redelivery); the
updates go through a staging table filled by ``COPY``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from iot.models import Device, DeviceMetricState, Reading


@dataclass(slots=True)
class ReadingRow:
    """A reading on its way to the database (a model instance costs ~10 µs more to build)."""

    device_id: int
    metric: str
    ts: datetime
    value: float | None
    value_str: str
    value_bool: bool | None
    unit: str
    received_at: datetime


CHUNK = 1000  # rows per statement: 9 parameters each stays far below both databases' limits

_READING_COLUMNS = (
    "device_id",
    "metric",
    "ts",
    "value",
    "value_str",
    "value_bool",
    "unit",
    "received_at",
)
_STATE_COLUMNS = ("id", "ts", "value", "value_str", "value_bool", "unit", "rule_state")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _ts(value: datetime | None):
    # SQLite stores datetimes as text in Django's format; the adapter of the backend does that.
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


# Reading.device has no FK constraint (iot.models.telemetry: a per-row check cost a third of a
# batch): readings of a device deleted since the batch looked it up are not inserted (SQLite:
# this condition; PostgreSQL: _copy_readings asks for the batch's devices first).
_DEVICE_EXISTS = f"EXISTS (SELECT 1 FROM {Device._meta.db_table} AS d WHERE d.id = v.device_id)"


def insert_readings(readings: Sequence[ReadingRow]) -> None:
    """INSERT the readings; an existing (device, metric, ts) is skipped (idempotent redelivery),
    and so are readings of a device that no longer exists."""
    if not readings:
        return
    table = Reading._meta.db_table
    cols = ", ".join(_READING_COLUMNS)
    if _postgres():
        _copy_readings(readings)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(readings), CHUNK):
            chunk = readings[start : start + CHUNK]
            one = "(" + ", ".join(["%s"] * len(_READING_COLUMNS)) + ")"
            params: list = []
            for r in chunk:
                params.extend(
                    (
                        r.device_id,
                        r.metric,
                        _ts(r.ts),
                        r.value,
                        r.value_str,
                        r.value_bool,
                        r.unit,
                        _ts(r.received_at),
                    )
                )
            # SQLite names VALUES columns column1, column2 ...: alias them in a CTE.
            cursor.execute(
                f"WITH v({cols}) AS (VALUES {', '.join([one] * len(chunk))}) "
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM v WHERE {_DEVICE_EXISTS} "
                "ON CONFLICT (device_id, metric, ts) DO NOTHING",
                params,
            )


_STAGING = "iot_reading_in"


def _staging_table(cursor, staging: str, table: str, cols: str) -> None:
    """A session temp table shaped like ``cols`` of ``table`` (created when missing).

    Asking ``to_regclass`` first is one cheap round trip; "CREATE TEMP TABLE IF NOT EXISTS ...
    AS SELECT" on every batch cost ~2.5 ms, and remembering the table in Python goes wrong when
    the transaction that created it rolls back. The table is emptied with DELETE after use (a
    temp table's DELETE writes no WAL; TRUNCATE or ON COMMIT DELETE ROWS cost ~3 ms more).
    """
    cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{staging}"])
    if cursor.fetchone()[0] is None:
        cursor.execute(f"CREATE TEMP TABLE {staging} AS SELECT {cols} FROM {table} WITH NO DATA")


def _copy_readings(readings: Sequence[ReadingRow]) -> None:
    """PostgreSQL: COPY straight into the readings table inside a savepoint (the driver's C
    path, no second copy of the rows). COPY has no ON CONFLICT: when a (device, metric, ts) is
    stored already (a redelivery after a crash), the savepoint is rolled back and the batch goes
    through a staging table and INSERT ... ON CONFLICT DO NOTHING instead. Readings of devices
    that no longer exist are dropped first (Reading.device has no FK constraint)."""
    wanted = sorted({r.device_id for r in readings})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Device._meta.db_table} WHERE id = ANY(%s)", [wanted])
        existing = {row[0] for row in cursor.fetchall()}
    if len(existing) < len(wanted):
        readings = [r for r in readings if r.device_id in existing]
        if not readings:
            return
    try:
        with transaction.atomic():  # a savepoint: a duplicate aborts this COPY only
            _copy_into(Reading._meta.db_table, readings)
    except IntegrityError:
        _copy_readings_deduplicated(readings)


def _copy_into(table: str, readings: Sequence[ReadingRow]) -> None:
    cols = ", ".join(_READING_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        # ... nor does it translate the raw cursor's errors: without wrap_database_errors a
        # connection lost mid-COPY surfaced as psycopg.OperationalError, which the consumer
        # took for a poisoned message (dead-lettered) instead of a database outage (retried).
        with (
            connection.wrap_database_errors,
            raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            for r in readings:
                copy.write_row(
                    (
                        r.device_id,
                        r.metric,
                        r.ts,
                        r.value,
                        r.value_str,
                        r.value_bool,
                        r.unit,
                        r.received_at,
                    )
                )


def _copy_readings_deduplicated(readings: Sequence[ReadingRow]) -> None:
    """COPY into a per-session staging table, then one INSERT ... SELECT ... ON CONFLICT DO
    NOTHING, then empty the staging table."""
    table = Reading._meta.db_table
    cols = ", ".join(_READING_COLUMNS)
    with connection.cursor() as cursor:
        _staging_table(cursor, _STAGING, table, cols)
    _copy_into(_STAGING, readings)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {_STAGING} "
            "ON CONFLICT (device_id, metric, ts) DO NOTHING"
        )
        cursor.execute(f"DELETE FROM {_STAGING}")


def update_rows(table: str, names: Sequence[str], rows: Sequence[tuple]) -> None:
    """UPDATE ``table`` by primary key: ``names`` are the columns, ``id`` first; each row is a
    tuple in that order (datetimes as datetimes, JSON already dumped)."""
    if not rows:
        return
    columns = names[1:]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    with connection.cursor() as cursor:
        if _postgres():
            # COPY into a per-session staging table, then one UPDATE ... FROM it.
            staging = f"{table}_upd"
            _staging_table(cursor, staging, table, ", ".join(names))
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {staging} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM {staging} AS v WHERE t.id = v.id"
            )
            cursor.execute(f"DELETE FROM {staging}")
            return
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            one = "(" + ", ".join(["%s"] * len(names)) + ")"
            params = [_ts(v) if isinstance(v, datetime) else v for row in chunk for v in row]
            # SQLite names VALUES columns column1, column2 ...: alias them in a CTE.
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {', '.join([one] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                params,
            )


_STATE_FIELDS = ("pk", "device_id", "metric", "ts", "value", "value_str", "value_bool", "unit")


def lock_states(device_ids: Sequence[int]) -> list[tuple]:
    """The latest-value rows of ``device_ids`` as tuples (_STATE_FIELDS, then rule_state as a
    dict), locked FOR UPDATE in primary-key order. PostgreSQL: plain SQL (the ORM's row
    converters cost ~4 ms per 600 rows); SQLite locks the whole database anyway."""
    if not _postgres():
        return list(
            DeviceMetricState.objects.filter(device_id__in=device_ids)
            .order_by("pk")
            .values_list(*_STATE_FIELDS, "rule_state")
        )
    table = DeviceMetricState._meta.db_table
    with connection.cursor() as cursor:
        columns = ", ".join(("id", *_STATE_FIELDS[1:], "rule_state"))  # "pk" is the id column
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE device_id = ANY(%s) ORDER BY id FOR UPDATE",
            [list(device_ids)],
        )
        # Django has psycopg hand jsonb over as text (JSONField decodes it itself).
        return [(*row[:-1], json.loads(row[-1]) if row[-1] else {}) for row in cursor.fetchall()]


def update_states(states: Sequence[DeviceMetricState]) -> None:
    """Write latest value and rule state of each row (by primary key)."""
    update_rows(
        DeviceMetricState._meta.db_table,
        _STATE_COLUMNS,
        [
            (s.pk, s.ts, s.value, s.value_str, s.value_bool, s.unit, json.dumps(s.rule_state))
            for s in states
        ],
    )
