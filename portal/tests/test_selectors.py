"""The public view of a case: plain stages, forward-only steps, after-photos once resolved."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest

from cases import services as case_services
from core.errors import NotFound
from portal import selectors
from portal.stages import Stage
from portal.tests.conftest import PHONE, send

pytestmark = pytest.mark.django_db


def stages_of(view) -> list[str]:
    return [s.stage for s in view.steps]


def test_a_new_report_is_received(small_city, t0):
    receipt = send(reporter_phone=PHONE, now=t0)
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    assert view.number == receipt.case.number
    assert view.stage == Stage.RECEIVED
    assert stages_of(view) == [Stage.RECEIVED]
    assert [(p.stage, p.state) for p in view.progress] == [
        (Stage.RECEIVED, "current"),
        (Stage.FILED, "todo"),
        (Stage.IN_PROGRESS, "todo"),
        (Stage.RESOLVED, "todo"),
    ]
    assert view.phone_hint == "138****5678"
    assert view.after_photos == [] and not view.can_rate


def test_a_resolved_case_shows_each_stage_once_and_its_after_photo(small_city, t0, desk):
    receipt = send(now=t0)
    desk.close(receipt.case, t0 + timedelta(hours=4))
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    # verify, accept, dispose and check add no step: the citizen sees four.
    assert stages_of(view) == [Stage.RECEIVED, Stage.FILED, Stage.IN_PROGRESS, Stage.RESOLVED]
    assert view.stage == Stage.RESOLVED
    assert [p.state for p in view.progress] == ["done", "done", "done", "current"]
    [photo] = view.after_photos
    assert photo.url.startswith("/media/evidence/") and "-thumb.jpg?" in photo.thumbnail_url
    assert view.can_rate and view.rate_until == receipt.case.closed_at + timedelta(days=30)


def test_a_return_does_not_step_the_citizen_back(small_city, t0, desk, staff, roads):
    receipt = send(now=t0)
    case = desk.file(receipt.case, t0)
    [task] = case_services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0
    )
    case_services.task_return(task=task, actor=staff["roads_disposer"], reason="Not ours", now=t0)
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    assert view.stage == Stage.FILED
    assert stages_of(view) == [Stage.RECEIVED, Stage.FILED, Stage.IN_PROGRESS]


def test_nothing_names_staff_departments_or_reasons(small_city, t0, desk):
    receipt = send(now=t0)
    desk.close(receipt.case, t0 + timedelta(hours=4))
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    text = repr(asdict(view))
    for secret in ("inspector_alpha", "disposer_roads", "City roads bureau", "Wang Wei"):
        assert secret not in text


def test_a_voided_case_is_not_taken_up(small_city, t0, staff):
    receipt = send(now=t0)
    case_services.case_void(
        case=receipt.case, actor=staff["shift_leader"], reason="Private land, owner told", now=t0
    )
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    assert view.stage == Stage.NOT_TAKEN
    assert stages_of(view) == [Stage.RECEIVED, Stage.NOT_TAKEN]
    assert "Private land" not in repr(asdict(view))


def test_a_duplicate_reporter_sees_when_their_report_joined(small_city, t0, manhole):
    send(category=manhole, device="a", description="Cover broken", now=t0)
    second = send(
        category=manhole, device="b", description="Hole in the road", now=t0 + timedelta(hours=1)
    )
    view = selectors.public_case(selectors.report_by_token(second.report.token), now=t0)

    assert view.duplicate
    assert view.description == "Hole in the road"  # their own words, not the first reporter's
    assert [(s.stage, s.mine) for s in view.steps] == [
        (Stage.RECEIVED, False),
        (Stage.RECEIVED, True),
    ]


def test_a_merge_carries_the_tracking_link_to_the_surviving_case(small_city, t0, staff):
    from intake.services import case_merge

    kept = send(device="a", description="Rubbish piled at the corner", now=t0)
    merged = send(device="b", description="Smelly rubbish heap", lon=121.515, lat=29.865, now=t0)
    case_merge(case=merged.case, into=kept.case, actor=staff["shift_leader"], now=t0)

    view = selectors.public_case(selectors.report_by_token(merged.report.token), now=t0)
    assert view.number == kept.case.number


def test_an_unknown_token_is_not_found(small_city):
    with pytest.raises(NotFound):
        selectors.report_by_token("nope")


def test_device_reports_lists_this_phones_reports_newest_first(small_city, t0):
    older = send(device="mine", now=t0)
    newer = send(device="mine", description="Street light out", now=t0 + timedelta(minutes=5))
    send(device="someone-else", now=t0)

    rows = selectors.device_reports("mine")
    assert [r.token for r in rows] == [newer.report.token, older.report.token]
    assert rows[0].excerpt == "Street light out" and rows[0].stage == Stage.RECEIVED
    assert selectors.device_reports("") == []


def test_suggestions_offer_plain_words(db):
    found = selectors.suggestions("井盖坏了")
    assert found and all(label for _pk, label in found)
    assert any("井盖" in label for _pk, label in found)
    assert len(found) <= selectors.SUGGESTIONS_MAX


def test_the_picker_lists_categories_with_citizen_words(db):
    groups = dict(selectors.picker_groups())
    labels = [label for rows in groups.values() for _pk, label in rows]
    assert "乱停车" in labels and "路灯不亮、路灯坏了" in labels


def test_the_public_map_outlines_districts_without_codes(small_city):
    fc = selectors.public_areas_geojson()
    assert sorted(f["properties"]["name"] for f in fc["features"]) == ["East", "West"]
    assert all(set(f["properties"]) == {"name"} for f in fc["features"])


def test_a_refused_report_shows_the_reporter_why(small_city, t0, staff):
    receipt = send(now=t0)
    case_services.case_refuse(
        case=receipt.case, actor=staff["shift_leader"], reason="A private courtyard", now=t0
    )
    view = selectors.public_case(selectors.report_by_token(receipt.report.token), now=t0)

    assert view.stage == Stage.NOT_TAKEN
    assert "A private courtyard" in view.explanation
