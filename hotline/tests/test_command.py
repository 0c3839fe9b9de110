"""``manage.py import_cases``: summary, rejected rows, dry run, profiles, clear errors."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from hotline.models import ImportProfile, ImportRun
from hotline.tests.conftest import HIST_HEADER, LIVE_HEADER, hist_row, live_row, write_csv

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = StringIO()
    call_command("import_cases", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_imports_prints_the_summary_and_writes_the_rejected_rows(city, tmp_path):
    rows = [live_row(i) for i in range(5)] + [live_row(5, 诉求内容="")]
    path = write_csv(tmp_path / "calls.csv", LIVE_HEADER, rows)
    rejects = tmp_path / "rejected.csv"

    out = run_command(str(path), "--source", "hotline_12345", "--rejects", str(rejects))

    assert "6 rows: 5 cases created, 0 duplicates attached, 0 already imported, 1 rejected." in out
    assert "  line 7: 诉求内容 is empty." in out
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0][:3] == ["line", "external id", "reason"] and lines[0][3:] == LIVE_HEADER
    assert lines[1][:3] == ["7", "12345-00005", "诉求内容 is empty."]
    assert Case.objects.count() == 5


def test_historical_dry_run_with_a_profile(city, tmp_path):
    ImportProfile.objects.create(name="110 history", source="hotline_110")
    path = write_csv(tmp_path / "h.csv", HIST_HEADER, [hist_row(0, 来电类型="")])

    out = run_command(str(path), "--historical", "--dry-run", "--profile", "110 history")

    assert "Dry run, nothing written. 1 rows: 1 cases created" in out
    assert Case.objects.count() == 0
    run = ImportRun.objects.get()
    assert (run.mode, run.source, run.dry_run) == ("historical", "hotline_110", True)


def test_unknown_profile_missing_file_and_unreadable_file_are_command_errors(city, tmp_path):
    with pytest.raises(CommandError, match="No import profile 'nope'"):
        run_command("x.csv", "--profile", "nope")
    with pytest.raises(CommandError, match="Cannot open"):
        run_command(str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty."):
        run_command(str(empty))
