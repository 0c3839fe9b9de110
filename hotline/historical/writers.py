"""Bulk writes of the historical import: PostgreSQL ``COPY`` (psycopg 3) or SQLite executemany.

This is the one place that writes Case, Task and CaseEvent rows without the per-move services:
it loads history that already happened, not live moves, so there is nothing to compare-and-swap
and no hook to run. The rows are the ones the services would have left (hotline.historical.rows)
and every column comes from the model's metadata (``TableSpec``), so a column added later with
a default is filled with that default instead of being forgotten.

Ids of cases and tasks are reserved up front (events point at tasks): on PostgreSQL from the
tables' own sequences, on SQLite after the largest id inside the write transaction (SQLite
IMMEDIATE transactions hold the database write lock).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from cases.models import Case, CaseEvent, CaseSequence, Task
from intake.models import IntakeReport

SQLITE_MAX_PARAMS = 900  # per IN (...) list; SQLite's limit is 999 on old builds
PG_IN_CHUNK = 20_000


@dataclass(frozen=True)
class TableSpec:
    """Columns written for ``model``: ``explicit`` (values built per row) then the rest, which
    take their field defaults (``tail``)."""

    model: type[Model]
    explicit: tuple[str, ...]
    columns: tuple[str, ...]
    tail: tuple

    @classmethod
    def of(cls, model: type[Model], explicit: Sequence[str]) -> TableSpec:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(explicit) - set(fields)
        if unknown:  # pragma: no cover - a renamed column: fail loudly, not silently
            raise RuntimeError(f"{model.__name__} has no fields {sorted(unknown)}")
        rest, missing = [], []
        for name, f in fields.items():
            if name in explicit or f.primary_key or (f.null and not f.has_default()):
                continue  # written by the row, or an id from the sequence, or NULL
            default = f.get_default()
            if default is None and not f.null:
                missing.append(name)
            rest.append((f, default))
        if missing:  # pragma: no cover - a new required column the import does not fill
            raise RuntimeError(f"{model.__name__}: the historical import must fill {missing}")
        columns = tuple(fields[n].column for n in explicit) + tuple(f.column for f, _ in rest)
        tail = tuple(_prepared_default(d) for _, d in rest)
        return cls(model, tuple(explicit), columns, tail)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


@dataclass
class Batch:
    """Rows of one batch per table, in write order (cases first: the others point at them),
    and what runs after them in the same transaction (``then``: the evaluation rollups)."""

    tables: list[tuple[TableSpec, list[tuple]]]
    then: Callable[[], None] | None = None


class Writer:
    """Reservations and writes on the current thread's connection."""

    vendor = ""

    def stamp(self, moment: datetime) -> str:
        """A timestamp as the column's text (the builder formats each time once)."""
        raise NotImplementedError

    def reserve_ids(self, model: type[Model], count: int) -> list[int]:
        raise NotImplementedError

    def write(self, batch: Batch) -> None:
        raise NotImplementedError

    def reserve_numbers(self, day: date, count: int) -> int:
        """Bump the case-number sequence of ``day`` by ``count``; the first number's sequence."""
        table = connection.ops.quote_name(CaseSequence._meta.db_table)
        day_value = connection.ops.adapt_datefield_value(day)
        sql = f"UPDATE {table} SET last = last + %s WHERE day = %s RETURNING last"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, day_value])
            row = cursor.fetchone()
        if row is not None:
            return row[0] - count + 1
        try:
            with transaction.atomic():
                CaseSequence.objects.create(day=day, last=count)
            return 1
        except IntegrityError:  # a live report opened the day meanwhile
            with connection.cursor() as cursor:
                cursor.execute(sql, [count, day_value])
                return cursor.fetchone()[0] - count + 1

    def existing(self, source: str, external_ids: Sequence[str]) -> set[str]:
        """Which of ``external_ids`` were already received on ``source`` (IntakeReport)."""
        found: set[str] = set()
        step = PG_IN_CHUNK if connection.vendor == "postgresql" else SQLITE_MAX_PARAMS
        for start in range(0, len(external_ids), step):
            chunk = external_ids[start : start + step]
            found.update(
                IntakeReport.objects.filter(source=source, external_id__in=chunk).values_list(
                    "external_id", flat=True
                )
            )
        return found


class PostgresWriter(Writer):
    vendor = "postgresql"

    def stamp(self, moment: datetime) -> str:
        return moment.isoformat(sep=" ")  # with its offset: timestamptz reads it exactly

    def reserve_ids(self, model: type[Model], count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def write(self, batch: Batch) -> None:
        q = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for spec, rows in batch.tables:
                if not rows:
                    continue
                columns = ", ".join(q(c) for c in spec.columns)
                with cursor.copy(f"COPY {q(spec.table)} ({columns}) FROM STDIN") as copy:
                    write_row, tail = copy.write_row, spec.tail
                    for row in rows:
                        write_row(row + tail)
            if batch.then is not None:
                batch.then()


class SqliteWriter(Writer):
    vendor = "sqlite"

    def stamp(self, moment: datetime) -> str:
        return connection.ops.adapt_datetimefield_value(moment)  # naive UTC, as Django stores

    def reserve_ids(self, model: type[Model], count: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT max("{model._meta.pk.column}") FROM "{table}"')  # noqa: S608
            last = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
        start = max(last, row[0] if row else 0) + 1
        return list(range(start, start + count))

    def write(self, batch: Batch) -> None:
        q = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for spec, rows in batch.tables:
                if not rows:
                    continue
                columns = ", ".join(q(c) for c in spec.columns)
                marks = ", ".join(["%s"] * len(spec.columns))
                sql = f"INSERT INTO {q(spec.table)} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, [_sqlite_row(row + spec.tail) for row in rows])
            if batch.then is not None:
                batch.then()


def _prepared_default(value):
    # JSON defaults ({} / []) travel as their text, like every JSON value of the import.
    return json.dumps(value) if isinstance(value, dict | list) else value


def _sqlite_value(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _sqlite_row(row: tuple) -> tuple:
    return tuple(_sqlite_value(v) for v in row)


def writer_for_connection() -> Writer:
    return PostgresWriter() if connection.vendor == "postgresql" else SqliteWriter()


TABLES: dict[str, type[Model]] = {
    "case": Case,
    "task": Task,
    "event": CaseEvent,
    "intake": IntakeReport,
}


def count_rows(batch: Batch) -> int:
    return sum(len(rows) for _, rows in batch.tables)


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
