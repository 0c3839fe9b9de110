"""The one door (入口多源、出口统一): only intake opens cases.

Every channel goes through ``intake.services.receive_report``, which places, deduplicates and
records a report before ``cases.services.reporting.case_report`` opens a case. A module outside
intake that calls ``case_report`` would open cases with no duplicate check and no intake row
(受理记录), as the inspector's phone page and ``POST /api/v1/cases`` once did. Tests and
benchmarks may call it (they exercise the case's own invariants and the per-move overhead).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from cases.models import Case
from cases.services.reporting import case_report
from cases.states import SourceChannel
from intake.models import IntakeReport, MergeRecord

ROOT = Path(__file__).resolve().parents[2]
DOOR = "case_report"
SKIP_PARTS = {"tests", "migrations", ".venv", "bench", "node_modules", "static"}


def _production_modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIP_PARTS.intersection(path.relative_to(ROOT).parts) and path.name != "conftest.py"
    ]


def _uses_the_door(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == DOOR for a in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr == DOOR:
            return True
        if isinstance(node, ast.Name) and node.id == DOOR:
            return True
    return False


def test_only_intake_opens_cases():
    allowed = {ROOT / "cases" / "services" / "reporting.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in _production_modules()
        if path not in allowed
        and path.relative_to(ROOT).parts[0] != "intake"
        and _uses_the_door(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], f"open cases through intake.services.receive_report: {offenders}"


def test_the_contract_sees_a_call_and_an_import():
    assert _uses_the_door(ast.parse("from cases.services.reporting import case_report"))
    assert _uses_the_door(ast.parse("services.case_report(actor=None)"))
    assert not _uses_the_door(ast.parse("services.case_file(case=c)"))
    assert len(_production_modules()) > 100  # the walk found the code base


def test_the_cases_services_no_longer_offer_the_door():
    from cases import services

    assert not hasattr(services, DOOR)


@pytest.mark.django_db
def test_the_migration_gives_every_case_its_intake_report(staff, grid, t0):
    """intake 0002: cases opened before the one door get the report that opened them; a case
    that has one, and a case merged away, get none."""
    backfill = __import__(
        "intake.migrations.0002_every_case_has_its_intake_report", fromlist=["backfill"]
    ).backfill
    direct = case_report(
        actor=staff["alpha_inspector"],
        source=SourceChannel.INSPECTOR,
        description="Broken light",
        grid=grid,
        lon=121.505,
        lat=29.865,
        address="Alpha Rd 3",
        reporter_phone="13900000009",
        now=t0,
    )
    merged = case_report(
        actor=None, source=SourceChannel.CITIZEN, description="Same light", grid=grid, now=t0
    )
    MergeRecord.objects.create(kind="merge", case=merged, other=direct, at=t0)

    backfill(apps, None)
    backfill(apps, None)  # twice changes nothing

    row = IntakeReport.objects.get()
    assert (row.case, row.outcome, row.duplicate_of) == (direct, "created", None)
    assert (row.source, row.description, row.grid, row.address) == (
        "inspector",
        "Broken light",
        grid,
        "Alpha Rd 3",
    )
    assert (row.reporter_phone, row.received_at, row.received_by) == (
        "13900000009",
        t0,
        staff["alpha_inspector"],
    )
    assert row.payload == {"from_case": direct.number}
    assert Case.objects.count() == 2
