"""Case tallies (案件计数): the database's triggers keep them equal to the cases through every
kind of write, the readers answer by scope, and the nightly check finds and mends a difference."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from cases import tally
from cases.models import Case, CaseTally
from cases.states import CaseStatus


def stored() -> dict:
    return {(t.area_path, t.source, t.status): t.n for t in CaseTally.objects.exclude(n=0)}


def counted() -> dict:
    found: dict = {}
    for key in Case.objects.values_list("area_path", "source", "status"):
        found[key] = found.get(key, 0) + 1
    return found


def copy(case: Case, number: str) -> None:
    """A row like ``case`` written by SQL (as the historical import's COPY writes)."""
    columns = [f.column for f in Case._meta.concrete_fields if f.column not in ("id", "number")]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_case (number, {names}) SELECT %s, {names} FROM cases_case"
            " WHERE id = %s",
            [number, case.pk],
        )


def test_every_kind_of_write_keeps_the_tallies_equal_to_the_cases(flow, staff):
    one, two, three = flow.reported(), flow.filed(), flow.reported(source="citizen")
    flow.dispatched()
    assert stored() == counted() and sum(stored().values()) == 4
    Case.objects.filter(pk__in=[one.pk, two.pk]).update(status=CaseStatus.VOIDED)  # two rows
    Case.objects.filter(pk=three.pk).update(area_path=one.area_path + "x/")  # moved
    Case.objects.filter(pk=one.pk).update(version=99)  # no key changes: nothing written
    assert stored() == counted()
    copy(one, "T1")  # a case with nothing attached, to delete
    assert sum(stored().values()) == 5
    Case.objects.filter(number="T1").delete()
    assert stored() == counted() and sum(stored().values()) == 4
    assert tally.check() == []


def test_a_statement_of_many_rows_is_counted_once_each(flow):
    """The historical import writes thousands of cases in one COPY/INSERT statement."""
    case = flow.reported()
    names = ", ".join(
        f.column for f in Case._meta.concrete_fields if f.column not in ("id", "number")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_case (number, {names}) "
            f"SELECT 'T' || n, {names} FROM cases_case, (SELECT 1 AS n UNION ALL SELECT 2) AS two "
            "WHERE id = %s",
            [case.pk],
        )
    assert stored() == counted() and sum(stored().values()) == 3


def test_the_readers_answer_by_scope_area_and_source(flow, staff):
    flow.reported()
    flow.reported(source="citizen")
    flow.filed()
    city = staff["city_dispatcher"]
    assert tally.by_status(city) == {CaseStatus.REPORTED: 2, CaseStatus.FILED: 1}
    assert tally.by_status(city, source="citizen") == {CaseStatus.REPORTED: 1}
    assert tally.by_status(city, area_path="/nowhere/") == {}
    assert tally.by_source(city, open_statuses={CaseStatus.FILED}) == {
        "inspector": (2, 1),
        "citizen": (1, 0),
    }


def test_the_check_finds_a_difference_and_mends_it(flow, capsys):
    flow.reported()
    row = CaseTally.objects.get()
    CaseTally.objects.filter(pk=row.pk).update(n=7)
    CaseTally.objects.create(area_path="/gone/", source="other", status="closed", n=2)
    with pytest.raises(SystemExit):
        call_command("case_tally", "--dry-run")
    assert "differed from the cases: 2" in capsys.readouterr().out
    assert CaseTally.objects.get(pk=row.pk).n == 7  # a dry run writes nothing
    with pytest.raises(SystemExit):
        call_command("case_tally")
    assert stored() == counted()
    call_command("case_tally")  # right now: exit 0
    assert "differed from the cases: none" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_empties_the_tallies(flow):
    flow.reported()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("TRUNCATE cases_case CASCADE")
    assert not CaseTally.objects.exists()


def test_the_triggers_are_there_after_every_migration(db):
    """SQLite rebuilds cases_case for most schema changes (migration 0012 did) and drops its
    triggers; post_migrate makes them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert {"cases_tally_insert", "cases_tally_update", "cases_tally_delete"} <= names


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_dropped_trigger_is_made_again_and_the_counts_made_right(flow):
    case = flow.reported()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER cases_tally_update")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.VOIDED)  # not counted
    assert stored() != counted()
    assert tally.keep_triggers() == ["cases_tally_update"]
    assert stored() == counted() and tally.keep_triggers() == []
