"""One-row writes and reads of the hot path (case moves, evaluation facts) as SQL built once
per shape.

Why: ``QuerySet.update()``, ``Model.save()`` and ``QuerySet.get()`` compile their SQL on every
call, and for the one-row statements of a case move that costs several times the database
round trip (~0.3-0.5 ms of CPU each; a lifecycle is ~20 statements and DESIGN.md asks for
>= 1,000 cases/s). Here each statement is built from the model's metadata once per shape
(model, columns) and connection, so it follows the schema. Values go through each field's
``pre_save`` / ``get_db_prep_save`` and rows read back through the backend's and the field's
converters, as in the ORM, so the rows are the same. The one shortcut: a value whose type is
exactly what a plain text/integer/boolean field stores (``str`` for CharField, ``int`` for an
integer field or a foreign key id, ...) is passed as is, which is all those fields' preparation
would do with it; anything else takes the field's own path.

Statements run through ``connection.cursor()``: Django's transaction, query capture
(``assertNumQueries``, the query budget test) and execute wrappers all still see them; the
exceptions are a bulk statement of arrays (``execute_rows``, 500 rows and more on PostgreSQL),
bound on the server, and a ``COPY`` (``copy_in``), both in the same connection and transaction
but unseen by the query log. Inserts
send ``pre_save`` / ``post_save`` only when something listens (nothing does today: other apps
follow case moves through ``cases.hooks``).

UPDATE/INSERT ... RETURNING is required (PostgreSQL, SQLite >= 3.35; ``cases.numbering``
relies on it as well).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, JSONField, Model, fields
from django.db.models.base import ModelState
from django.db.models.fields.related import ForeignKey
from django.db.models.signals import post_save, pre_save

_CACHE_ATTR = "_cases_row_statements"

# Field classes (exact, not subclasses) whose preparation leaves a value of the given exact type
# unchanged (to_python of a str is the str, int(int) is the int, ...).
_PASS_THROUGH: dict[type, type] = {
    fields.CharField: str,
    fields.TextField: str,
    fields.IntegerField: int,
    fields.SmallIntegerField: int,
    fields.BigIntegerField: int,
    fields.PositiveIntegerField: int,
    fields.PositiveSmallIntegerField: int,
    fields.BooleanField: bool,
    ForeignKey: int,  # to an auto primary key (checked below): the id is the int
}
_AUTO = (fields.AutoField, fields.BigAutoField, fields.SmallAutoField)


def _shapes(conn) -> dict:
    # Kept on the connection wrapper (one per thread and alias): the SQL depends on its vendor
    # and the converters are bound to its operations.
    cache = conn.__dict__.get(_CACHE_ATTR)
    if cache is None:
        cache = conn.__dict__[_CACHE_ATTR] = {}
    return cache


def _preparer(field: Field, conn) -> Callable[[object], object]:
    slow = field.get_db_prep_save
    kind = _PASS_THROUGH.get(type(field))
    if kind is None or (isinstance(field, ForeignKey) and type(field.target_field) not in _AUTO):
        return lambda value: slow(value, conn)
    return lambda value: value if type(value) is kind or value is None else slow(value, conn)


def _getter(field: Field) -> Callable[[Model], object]:
    """The value ``save()`` would write: ``pre_save`` where a field has one (auto_now, files)."""
    if type(field).pre_save is Field.pre_save:
        attname = field.attname
        return lambda instance: getattr(instance, attname)
    return lambda instance: field.pre_save(instance, True)


def _written(conn, model: type[Model]) -> tuple[list[Field], list[tuple[Callable, Callable]]]:
    """The fields an INSERT writes (every concrete field but the auto pk) and, for each, how
    to read its value off an instance and prepare it for the database."""
    meta = model._meta
    written = [f for f in meta.concrete_fields if f is not meta.pk]
    return written, [(_getter(f), _preparer(f, conn)) for f in written]


def _insert_shape(conn, model: type[Model], count: int):
    key = ("insert", model, count)
    shapes = _shapes(conn)
    if key not in shapes:
        q, meta = conn.ops.quote_name, model._meta
        written, steps = _written(conn, model)
        columns = ", ".join(q(f.column) for f in written)
        row = f"({', '.join(['%s'] * len(written))})"
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {', '.join([row] * count)} "
            f"RETURNING {q(meta.pk.column)}"
        )
        shapes[key] = (sql, steps)
    return shapes[key]


def insert(*instances: Model) -> None:
    """INSERT new instances of one model in one statement (every concrete field but the auto
    pk, as ``save()`` would write them) and set their pks."""
    conn = connections[DEFAULT_DB_ALIAS]
    model = type(instances[0])
    if pre_save.has_listeners(model):
        for instance in instances:
            pre_save.send(model, instance=instance, raw=False, using=conn.alias, update_fields=None)
    sql, steps = _insert_shape(conn, model, len(instances))
    params = [prep(get(instance)) for instance in instances for get, prep in steps]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        # Rows come back in VALUES order on both backends (bulk_create relies on it too).
        pks = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = conn.alias
    if post_save.has_listeners(model):
        for instance in instances:
            post_save.send(
                model,
                instance=instance,
                created=True,
                update_fields=None,
                raw=False,
                using=conn.alias,
            )


def _update_shape(conn, model, names: tuple[str, ...], guards: tuple[str, ...], bump):
    key = ("update", model, names, guards, bump)
    shapes = _shapes(conn)
    if key not in shapes:
        q, meta = conn.ops.quote_name, model._meta
        sets = [f"{q(meta.get_field(n).column)} = %s" for n in names]
        if bump:
            column = q(meta.get_field(bump).column)
            sets.append(f"{column} = {column} + 1")
        where = " AND ".join(
            [f"{q(meta.pk.column)} = %s", *(f"{q(meta.get_field(g).column)} = %s" for g in guards)]
        )
        sql = f"UPDATE {q(meta.db_table)} SET {', '.join(sets)} WHERE {where}"  # noqa: S608
        preps = [_preparer(meta.get_field(n), conn) for n in (*names, meta.pk.name, *guards)]
        shapes[key] = (sql, preps)
    return shapes[key]


def update(
    model: type[Model],
    pk,
    *,
    values: Mapping[str, object],
    where: Mapping[str, object] | None = None,
    bump: str | None = None,
) -> int:
    """``UPDATE model SET values[, bump = bump + 1] WHERE pk = pk AND where``; rows changed.

    ``values`` and ``where`` are plain values by field name or attname (``standard_id``);
    ``bump`` names an integer field to increment (the case's compare-and-swap ``version``).
    """
    conn = connections[DEFAULT_DB_ALIAS]
    where = where or {}
    sql, preps = _update_shape(conn, model, tuple(values), tuple(where), bump)
    raw = (*values.values(), pk, *where.values())
    with conn.cursor() as cursor:
        cursor.execute(sql, [prep(v) for prep, v in zip(preps, raw, strict=True)])
        return cursor.rowcount


def _select_shape(conn, model, names: tuple[str, ...] | None, guards: tuple[str, ...], lock):
    key = ("select", model, names, guards, lock)
    shapes = _shapes(conn)
    if key not in shapes:
        q, meta = conn.ops.quote_name, model._meta
        chosen = list(meta.concrete_fields) if names is None else [meta.get_field(n) for n in names]
        columns = ", ".join(q(f.column) for f in chosen)
        where = " AND ".join(f"{q(meta.get_field(g).column)} = %s" for g in guards)
        sql = f"SELECT {columns} FROM {q(meta.db_table)} WHERE {where}"  # noqa: S608
        # SQLite has no row locks: the IMMEDIATE transaction already holds the write lock.
        if lock and conn.features.has_select_for_update:
            sql += " FOR UPDATE"
        converters = []
        for i, field in enumerate(chosen):
            col = field.get_col(meta.db_table)
            convs = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            if convs:
                converters.append((i, convs, col))
        preps = [_preparer(meta.get_field(g), conn) for g in guards]
        shapes[key] = (sql, [f.attname for f in chosen], converters, preps)
    return shapes[key]


def _select(model, names, where: Mapping[str, object], lock: bool) -> tuple[list, list[list]]:
    conn = connections[DEFAULT_DB_ALIAS]
    sql, attnames, converters, preps = _select_shape(conn, model, names, tuple(where), lock)
    with conn.cursor() as cursor:
        cursor.execute(sql, [prep(v) for prep, v in zip(preps, where.values(), strict=True)])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for i, convs, col in converters:
            value = row[i]
            for convert in convs:
                value = convert(value, col, conn)
            row[i] = value
    return attnames, rows


def select(model: type[Model], *, where: Mapping[str, object]) -> list[Model]:
    """Every row matching ``where`` (equality on each field) as instances, in no set order."""
    attnames, rows = _select(model, None, where, False)
    return [model.from_db(DEFAULT_DB_ALIAS, attnames, row) for row in rows]


def _array_type(field: Field, conn) -> str | None:
    """The PostgreSQL type of an array of the field's values (None: not sent as an array)."""
    kind = field.db_type(conn)
    if kind is None or isinstance(field, JSONField):
        return None
    return f"{kind}[]"


def rows_source(conn, written: Sequence[Field], count: int) -> tuple[str, Callable]:
    """The rows of an ``INSERT INTO t (columns) <source>`` and how to pass them: on PostgreSQL
    one array per column through ``unnest`` (a short statement whatever the count: psycopg
    converts the placeholders of a long statement on every call, ~0.5 µs each, which made a
    2,000-row upsert spend more time in that than in the server), elsewhere ``VALUES (...),
    (...)``. The second value turns a list of rows into the statement's parameters."""
    types = [_array_type(f, conn) for f in written] if conn.vendor == "postgresql" else []
    if count > 1 and types and all(types):
        arrays = ", ".join(f"%s::{t}" for t in types)
        return f"SELECT * FROM unnest({arrays})", lambda rows: [
            list(c) for c in zip(*rows, strict=True)
        ]
    row = f"({', '.join(['%s'] * len(written))})"
    return f"VALUES {', '.join([row] * count)}", lambda rows: [v for r in rows for v in r]


_TEMPLATES: dict[type[Model], tuple[dict, list]] = {}


def transient(model: type[Model], /, **values) -> Model:
    """An unsaved ``model`` instance with ``values`` (by attname: ``case_id``) and every other
    concrete field at its default, made without ``Model.__init__`` (~5x faster): for rows
    computed in bulk (the historical import's evaluation facts), read or written as rows. No
    pre_init/post_init signal is sent; a callable default is called per instance."""
    found = _TEMPLATES.get(model)
    if found is None:
        plain, called = {}, []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                called.append(f)
            else:
                plain[f.attname] = f.get_default()
        found = _TEMPLATES[model] = (plain, called)
    plain, called = found
    instance = model.__new__(model)
    state = instance.__dict__
    state.update(plain)
    for f in called:
        if f.attname not in values:
            state[f.attname] = f.get_default()
    state.update(values)
    state["_state"] = ModelState()
    return instance


# From this many rows a statement's arrays are bound on the server (``execute_rows``).
BOUND_ON_SERVER = 500


def execute_rows(conn, sql: str, params: list, count: int) -> None:
    """Run a statement of ``count`` rows passed as arrays (``rows_source``). Many rows on
    PostgreSQL go through a cursor that binds its parameters on the server: psycopg then
    dumps each array in C, where Django's client-side binding quotes every element in Python
    (50,000 rollup rows: ~2 s of quoting beside ~2 s of the server's own work). Such a
    statement is not seen by Django's query log; the few-row statements of live moves are."""
    if conn.vendor == "postgresql" and count >= BOUND_ON_SERVER and "unnest(" in sql:
        import psycopg

        conn.ensure_connection()
        # Django's wrapper turns psycopg's errors into django.db's and marks a broken
        # connection, as its own cursors do.
        with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
            cursor.execute(sql, params)
        return
    with conn.cursor() as cursor:
        cursor.execute(sql, params)


def copy_in(instances: Sequence[Model]) -> int:
    """INSERT many new instances of one model (every concrete field but the auto pk, as
    ``save()`` would write them): on PostgreSQL by ``COPY ... FROM STDIN``, which takes the
    rows as they are sent (``bulk_create`` quotes every element of its arrays in Python: 9,720
    sign values with their explanations spent ~2 s in that), elsewhere by ``bulk_create``.
    The instances' pks are not set; no signals are sent. Returns how many were written."""
    if not instances:
        return 0
    conn = connections[DEFAULT_DB_ALIAS]
    model = type(instances[0])
    if conn.vendor != "postgresql":
        model.objects.bulk_create(instances, batch_size=2000)
        return len(instances)
    q, meta = conn.ops.quote_name, model._meta
    written, steps = _written(conn, model)
    columns = ", ".join(q(f.column) for f in written)
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY {q(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                copy.write_row([prep(get(instance)) for get, prep in steps])
    return len(instances)


def _upsert_shape(conn, model, count: int, conflict: str, names: tuple[str, ...]):
    key = ("upsert", model, count, conflict, names)
    shapes = _shapes(conn)
    if key not in shapes:
        q, meta = conn.ops.quote_name, model._meta
        written, steps = _written(conn, model)
        columns = ", ".join(q(f.column) for f in written)
        source, params = rows_source(conn, written, count)
        updated = (q(meta.get_field(n).column) for n in names)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({columns}) {source} "
            f"ON CONFLICT ({q(meta.get_field(conflict).column)}) DO UPDATE SET {updates}"
        )
        shapes[key] = (sql, steps, params)
    return shapes[key]


def upsert(instances: Sequence[Model], *, conflict: str, names: Sequence[str]) -> int:
    """INSERT unsaved instances of one model (every concrete field but the auto pk), or where
    the unique field ``conflict`` matches a row already there, UPDATE that row's ``names``
    (``INSERT ... ON CONFLICT DO UPDATE``, one statement per batch the database's parameter
    limit allows). Sends no signals; returns how many instances were written."""
    if not instances:
        return 0
    conn = connections[DEFAULT_DB_ALIAS]
    model = type(instances[0])
    names = tuple(names)
    width = len(model._meta.concrete_fields) - 1
    # PostgreSQL's protocol caps one statement at 65,535 parameters (server-side binding);
    # as arrays (``rows_source``) a statement has one parameter per column.
    limit = conn.features.max_query_params or 65_535
    size = len(instances) if conn.vendor == "postgresql" else max(1, limit // width)
    for start in range(0, len(instances), size):
        batch = instances[start : start + size]
        sql, steps, params = _upsert_shape(conn, model, len(batch), conflict, names)
        rows = [[prep(get(i)) for get, prep in steps] for i in batch]
        execute_rows(conn, sql, params(rows), len(batch))
    return len(instances)


def get(model: type[Model], pk, *, lock: bool = False) -> Model | None:
    """The row as an instance (``SELECT ... FOR UPDATE`` with ``lock``), or None."""
    attnames, rows = _select(model, None, {model._meta.pk.name: pk}, lock)
    if not rows:
        return None
    return model.from_db(DEFAULT_DB_ALIAS, attnames, rows[0])


def values(model: type[Model], names: Sequence[str], *, where: Mapping[str, object]) -> list[list]:
    """``names`` of every row matching ``where`` (equality on each field), converted."""
    return _select(model, tuple(names), where, False)[1]
