"""Manual merge (合并) and split (拆分) of cases by an operator, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case, CaseEvent
from cases.states import CaseAction, CaseStatus
from core.errors import Conflict, PermissionDenied, ValidationFailed
from intake import services
from intake.models import IntakeReport, MergeKind, MergeRecord
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON, M_LON


@pytest.fixture
def two_cases(receive, manhole, t0):
    """Two reports of one manhole 80 m apart: too far for automatic detection."""
    a = receive(category=manhole, reporter_phone="13800000001").case
    b = receive(
        category=manhole,
        lon=ALPHA_LON + 80 * M_LON,
        reporter_phone="13800000002",
        now=t0 + timedelta(minutes=10),
    ).case
    assert a != b
    return a, b


def test_merging_voids_the_case_and_moves_its_reports(two_cases, staff, t0):
    a, b = two_cases
    record = services.case_merge(
        case=b, into=a, actor=staff["shift_leader"], reason="Same manhole", now=t0
    )

    b.refresh_from_db()
    assert b.status == CaseStatus.VOIDED
    void = CaseEvent.objects.get(case=b, action=CaseAction.VOID)
    assert void.reason == f"Merged into {a.number}. Same manhole"
    assert set(IntakeReport.objects.filter(case=a).values_list("reporter_phone", flat=True)) == {
        "13800000001",
        "13800000002",
    }
    moved = IntakeReport.objects.get(reporter_phone="13800000002")
    assert moved.duplicate_of == a
    assert (record.kind, record.case, record.other, record.actor) == (
        MergeKind.MERGE,
        b,
        a,
        staff["shift_leader"],
    )
    assert record.reports == [moved.pk]
    note = CaseEvent.objects.get(case=a, action=CaseAction.NOTE)
    assert note.note == f"Case {b.number} merged into this case (1 reports). Same manhole"
    assert note.actor == staff["shift_leader"]


def test_a_case_staff_reported_keeps_its_reporter_when_merged(flow, staff, receive):
    manual = flow.reported(reporter_phone="13900000009")  # 直接上报, its intake row made too
    target = receive(description="污水井盖坏了").case
    services.case_merge(case=manual, into=target, actor=staff["shift_leader"])
    report = IntakeReport.objects.get(case=target, reporter_phone="13900000009")
    assert report.duplicate_of == target


def test_a_case_staff_reported_keeps_its_reporter_beside_its_duplicates(
    flow, staff, receive, manhole, t0
):
    manual = flow.reported(
        category=manhole, lon=ALPHA_LON, lat=ALPHA_LAT, reporter_phone="13900000009"
    )
    duplicate = receive(category=manhole, reporter_phone="13800000002")  # attached to it
    assert duplicate.duplicate_of == manual
    target = receive(description="污水井盖坏了", lon=ALPHA_LON + 80 * M_LON).case
    assert target != manual

    record = services.case_merge(case=manual, into=target, actor=staff["shift_leader"], now=t0)

    phones = IntakeReport.objects.filter(case=target).values_list("reporter_phone", flat=True)
    assert set(phones) >= {"13900000009", "13800000002"}
    own = IntakeReport.objects.get(reporter_phone="13900000009")
    assert own.pk in record.reports


def test_only_void_roles_may_merge(two_cases, staff):
    a, b = two_cases
    with pytest.raises(PermissionDenied) as err:
        services.case_merge(case=b, into=a, actor=staff["city_dispatcher"])
    assert err.value.code == "role_required"


def test_merging_outside_the_scope_is_refused(two_cases, staff, small_city):
    from org.models import Role
    from org.services import staff_create

    west_leader = staff_create(
        username="west_shift", password="x" * 12, role=Role.SHIFT_LEADER, areas=[small_city.west]
    ).user
    a, b = two_cases
    with pytest.raises(PermissionDenied) as err:
        services.case_merge(case=b, into=a, actor=west_leader)
    assert err.value.code == "out_of_scope"


def test_a_case_is_not_merged_into_itself(two_cases, staff):
    a, _b = two_cases
    with pytest.raises(ValidationFailed):
        services.case_merge(case=a, into=a, actor=staff["shift_leader"])


def test_a_dispatched_case_cannot_be_merged_away(flow, staff, receive):
    dispatched, _tasks = flow.dispatched()
    target = receive(description="污水井盖坏了").case
    with pytest.raises(Conflict) as err:
        services.case_merge(case=dispatched, into=target, actor=staff["shift_leader"])
    assert err.value.code == "illegal_move"
    assert "not yet dispatched" in err.value.message


def test_nothing_merges_into_a_finished_case(two_cases, staff):
    a, b = two_cases
    services.case_merge(case=b, into=a, actor=staff["shift_leader"])
    b.refresh_from_db()
    with pytest.raises(Conflict) as err:
        services.case_merge(case=a, into=b, actor=staff["shift_leader"])
    assert (err.value.code, err.value.http_status) == ("illegal_move", 409)


# --- split -----------------------------------------------------------------------------------


@pytest.fixture
def case_with_duplicates(receive, manhole, t0):
    first = receive(category=manhole, reporter_phone="13800000001", external_id="A")
    later = [
        receive(
            category=manhole,
            lon=ALPHA_LON + (5 + i) * M_LON,
            reporter_phone=f"1380000001{i}",
            source="hotline_12345",
            external_id=f"H{i}",
            now=t0 + timedelta(minutes=10 * (i + 1)),
        )
        for i in range(3)
    ]
    assert {r.case for r in later} == {first.case}
    return first.case, first.report, [r.report for r in later]


def test_splitting_opens_one_new_case_for_the_chosen_reports(case_with_duplicates, staff, t0):
    case, _primary, dups = case_with_duplicates
    new_case, record = services.case_split(
        case=case,
        reports=[dups[2].pk, dups[1].pk],
        actor=staff["shift_leader"],
        reason="Other side of the road",
        now=t0 + timedelta(hours=1),
    )

    assert new_case != case
    assert (new_case.source, new_case.source_ref) == ("hotline_12345", "H1")  # the earliest
    assert new_case.reporter_phone == "13800000011"
    assert new_case.status == CaseStatus.VERIFYING
    dups[1].refresh_from_db()
    dups[2].refresh_from_db()
    assert (dups[1].case, dups[1].duplicate_of) == (new_case, None)
    assert (dups[2].case, dups[2].duplicate_of) == (new_case, new_case)
    assert IntakeReport.objects.filter(case=case).count() == 2
    assert (record.kind, record.case, record.other) == (MergeKind.SPLIT, case, new_case)
    assert record.reports == [dups[1].pk, dups[2].pk]
    assert CaseEvent.objects.filter(case=case, action=CaseAction.NOTE).last().data["to"] == (
        new_case.number
    )
    assert CaseEvent.objects.get(case=new_case, action=CaseAction.NOTE).data["from"] == (
        case.number
    )


def test_the_report_that_opened_the_case_stays(case_with_duplicates, staff):
    case, primary, _dups = case_with_duplicates
    with pytest.raises(ValidationFailed) as err:
        services.case_split(case=case, reports=[primary.pk], actor=staff["shift_leader"])
    assert "opened case" in err.value.message


def test_split_refuses_reports_of_another_case(case_with_duplicates, staff):
    case, _primary, _dups = case_with_duplicates
    with pytest.raises(ValidationFailed) as err:
        services.case_split(case=case, reports=[987654], actor=staff["shift_leader"])
    assert "987654" in err.value.message
    assert MergeRecord.objects.count() == 0


def test_a_finished_case_is_not_split(two_cases, staff):
    a, b = two_cases
    services.case_merge(case=b, into=a, actor=staff["shift_leader"])
    b.refresh_from_db()  # voided by the merge
    with pytest.raises(Conflict) as err:
        services.case_split(case=b, reports=[1], actor=staff["shift_leader"])
    assert (err.value.code, err.value.http_status) == ("illegal_move", 409)
    assert "finished case" in err.value.message


def test_split_needs_reports(case_with_duplicates, staff):
    case, _primary, _dups = case_with_duplicates
    with pytest.raises(ValidationFailed):
        services.case_split(case=case, reports=[], actor=staff["shift_leader"])


def test_a_merge_can_be_undone_by_a_split(two_cases, staff):
    a, b = two_cases
    services.case_merge(case=b, into=a, actor=staff["shift_leader"])
    moved = IntakeReport.objects.get(reporter_phone="13800000002")
    new_case, _record = services.case_split(case=a, reports=[moved.pk], actor=staff["shift_leader"])
    assert new_case.reporter_phone == "13800000002"
    assert Case.objects.exclude(status=CaseStatus.VOIDED).count() == 2
