"""The nightly reconciliation (对账) finds planted differences, fixes them, and finds none after."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from evaluation import reconcile, rollups
from evaluation.models import CaseFact, TaskFact
from evaluation.tests.test_regions import NOW, region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_facts_written_by_the_moves_reconcile_with_no_difference(region_week):  # noqa: F811
    report = reconcile.reconcile(reconcile.every_case(), now=NOW)
    assert report.differences == [] and report.checked > 0
    assert str(report).endswith("differences: none")


def test_planted_differences_are_found_then_written_again(region_week, flow):  # noqa: F811
    late = TaskFact.objects.get(case=region_week["late"])
    TaskFact.objects.filter(pk=late.pk).update(on_time=True)  # a wrong on-time flag
    CaseFact.objects.filter(case=region_week["overdue"]).delete()  # a lost write
    CaseFact.objects.filter(case=region_week["on_time"]).update(rating=1)  # a wrong rating
    unfiled = flow.reported()
    planted = CaseFact.objects.get(case=region_week["west"])
    planted.pk, planted.case = None, unfiled
    planted.save()  # a fact for a case never filed
    report = reconcile.reconcile(reconcile.every_case(), fix=False, now=NOW)
    found = {(d.kind, d.case, d.problem) for d in report.differences}
    assert found == {
        ("task", region_week["late"].pk, "changed"),
        ("case", region_week["overdue"].pk, "missing"),
        ("case", region_week["on_time"].pk, "changed"),
        ("case", unfiled.pk, "extra"),
    }
    flag = next(d for d in report.differences if d.kind == "task")
    assert flag.fields == (("on_time", True, False),)
    assert "on_time True -> False" in str(flag)
    assert TaskFact.objects.get(pk=late.pk).on_time is True  # a dry run writes nothing
    fixed = reconcile.reconcile(reconcile.every_case(), now=NOW)
    assert len(fixed.differences) == 4
    assert TaskFact.objects.get(pk=late.pk).on_time is False
    assert CaseFact.objects.get(case=region_week["on_time"]).rating == 5
    assert not CaseFact.objects.filter(case=unfiled).exists()
    assert reconcile.reconcile(reconcile.every_case(), now=NOW).differences == []
    assert rollups.check() != []  # the edits behind the rollups' back: found, written again
    assert rollups.check(fix=False) == []


def test_the_night_takes_the_cases_touched_that_day(region_week):  # noqa: F811
    touched = reconcile.touched_on(date(2026, 11, 23))
    assert region_week["west"].pk in touched and region_week["voided"].pk in touched
    assert reconcile.touched_on(date(2026, 11, 20)) == []


def test_the_command_reports_and_fails_on_a_difference(region_week, capsys):  # noqa: F811
    TaskFact.objects.filter(case=region_week["late"]).update(on_time=True)
    with pytest.raises(SystemExit) as exit_:
        call_command("evaluation_reconcile", "--all", "--dry-run")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "differences: 1" in out and "on_time True -> False" in out
    with pytest.raises(SystemExit):
        call_command("evaluation_reconcile", "--day", "2026-11-23")  # finds it, fixes it
    with pytest.raises(SystemExit):  # the rollups took the fix as a change: they are checked
        call_command("evaluation_reconcile", "--day", "2026-11-23", "--rollups")
    assert "rollup rows that differed from the facts: " in capsys.readouterr().out
    call_command("evaluation_reconcile", "--day", "2026-11-23", "--rollups")  # nothing left
    out = capsys.readouterr().out
    assert "differences: none" in out and "differed from the facts: none" in out


def test_the_worker_reconciles_yesterday(region_week, time_machine):  # noqa: F811
    from evaluation.tasks import reconcile_yesterday

    TaskFact.objects.filter(case=region_week["late"]).update(on_time=True)
    time_machine.move_to("2026-11-24 02:30 +08:00")
    result = reconcile_yesterday.call_local()
    assert result["differences"] == 1 and result["cases"] >= 9
    assert TaskFact.objects.get(case=region_week["late"]).on_time is False
    # The planted flag was never in the rollups: writing the right fact over it subtracted an
    # on-time disposal that was not there, and the check after it puts that right.
    assert result["rollup_differences"] > 0
    assert rollups.check(fix=False) == []
