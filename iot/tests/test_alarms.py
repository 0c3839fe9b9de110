"""Alarms from telemetry: one open alarm per (device, rule), clear with hysteresis, offline
detection, people acknowledging and clearing, and the alarm -> case link through intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from cases.models import Case, CaseEvent
from cases.states import CaseAction, CaseStatus, SourceChannel
from catalog.models import Category
from core.errors import Conflict, PermissionDenied, ValidationFailed
from iot import alarms
from iot.models import Alarm, AlarmAction, AlarmRule, AlarmStatus, Device
from iot.tests.conftest import T0, send, tilt

pytestmark = pytest.mark.django_db


def test_a_breach_held_for_two_readings_raises_one_alarm_and_opens_a_case(manhole, displaced_rule):
    result = tilt("MH-0001", (0, 3), (60, 25))
    assert result.alarms_raised == 0  # one knock is not a displaced cover (count=2)
    result = tilt("MH-0001", (120, 30))
    assert result.alarms_raised == 1
    alarm = Alarm.objects.get()
    assert (alarm.rule, alarm.status, alarm.severity) == (displaced_rule, "active", "major")
    assert alarm.started_at == T0 + timedelta(seconds=60)  # when the breach began
    assert (alarm.trigger_value, alarm.last_value) == (30, 30)
    # ... and the case, through intake: IoT source, trusted, at the device's place.
    case = alarm.case
    assert case.source == SourceChannel.IOT and case.status == CaseStatus.REPORTED
    assert case.category == displaced_rule.category
    assert case.grid == manhole.grid and "MH-0001" in case.description
    assert [e.action for e in alarm.events.all()] == [AlarmAction.RAISE, AlarmAction.CASE_OPENED]


def test_further_breaches_update_the_open_alarm_instead_of_duplicating_it(manhole):
    tilt("MH-0001", (0, 20), (60, 25))
    tilt("MH-0001", (120, 40), (180, 35))
    alarm = Alarm.objects.get()
    assert (alarm.trigger_count, alarm.last_value) == (3, 35)
    assert alarm.last_triggered_at == T0 + timedelta(seconds=180)
    assert Case.objects.count() == 1


def test_the_database_refuses_a_second_open_alarm_for_the_same_device_and_rule(
    manhole, displaced_rule
):
    tilt("MH-0001", (0, 20), (60, 25))
    first = Alarm.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(
            device=manhole,
            rule=displaced_rule,
            severity="major",
            started_at=first.started_at,
            last_triggered_at=first.started_at,
        )


def test_hysteresis_clears_only_below_the_clear_threshold_after_confirmation(manhole):
    tilt("MH-0001", (0, 20), (60, 25))
    tilt("MH-0001", (120, 10), (180, 4), (240, 4))  # 10 is in the band; two clear readings
    assert Alarm.objects.get().status == AlarmStatus.ACTIVE  # clear_count is 3
    result = tilt("MH-0001", (300, 2))
    assert result.alarms_cleared == 1
    alarm = Alarm.objects.get()
    assert alarm.status == AlarmStatus.CLEARED and alarm.confirmed_clear
    assert "倾角 2°" in alarm.clear_reason  # label and reading as people read them
    # The case heard about it.
    note = CaseEvent.objects.filter(case=alarm.case, action=CaseAction.NOTE).get()
    assert "Sensor alarm cleared" in note.note and note.data["alarm"] == alarm.pk


def test_after_a_clear_a_new_breach_starts_a_new_alarm(manhole):
    tilt("MH-0001", (0, 20), (60, 25), (120, 1), (180, 1), (240, 1))
    tilt("MH-0001", (300, 20), (360, 20))
    assert list(Alarm.objects.order_by("pk").values_list("status", flat=True)) == [
        "cleared",
        "active",
    ]


def test_a_device_rule_replaces_the_type_rule_with_the_same_key(manhole, displaced_rule):
    AlarmRule.objects.create(
        device=manhole, key="displaced", name="Tighter", metric="tilt", threshold=40, count=1
    )
    tilt("MH-0001", (0, 30), (60, 30))
    assert not Alarm.objects.exists()
    tilt("MH-0001", (120, 45))
    assert Alarm.objects.get().rule.name == "Tighter"


def test_an_inactive_device_rule_switches_the_type_rule_off_for_that_device(manhole):
    AlarmRule.objects.create(
        device=manhole, key="displaced", name="Off", metric="tilt", threshold=1, is_active=False
    )
    tilt("MH-0001", (0, 30), (60, 30))
    assert not Alarm.objects.exists()


def test_no_case_category_means_no_case_but_the_alarm_says_why(manhole, displaced_rule):
    AlarmRule.objects.filter(pk=displaced_rule.pk).update(category=None)
    tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    assert alarm.case is None
    failed = alarm.events.get(action=AlarmAction.CASE_FAILED)
    assert "No case category" in failed.note


def test_a_device_outside_every_grid_keeps_its_alarm_and_records_the_refusal(
    manhole, displaced_rule
):
    Device.objects.filter(pk=manhole.pk).update(lon=100.0, lat=20.0)  # far outside the city
    tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    assert alarm.case is None and alarm.status == AlarmStatus.ACTIVE
    assert alarm.events.filter(action=AlarmAction.CASE_FAILED).exists()


def test_the_device_category_overrides_the_rule_category(manhole):
    rain = Category.objects.get(kind="component", code="01003")  # 雨水井盖
    Device.objects.filter(pk=manhole.pk).update(category=rain)
    tilt("MH-0001", (0, 20), (60, 25))
    assert Alarm.objects.get().case.category == rain


def test_people_acknowledge_then_clear_by_hand_within_their_scope(manhole, personas):
    tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    with pytest.raises(PermissionDenied):
        alarms.alarm_acknowledge(alarm=alarm, actor=personas["beta_operator"])  # other street
    alarms.alarm_acknowledge(alarm=alarm, actor=personas["alpha_inspector"], note="on my way")
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED
    assert alarm.acknowledged_by == personas["alpha_inspector"]
    with pytest.raises(Conflict, match="only an active alarm"):
        alarms.alarm_acknowledge(alarm=alarm, actor=personas["city_dispatcher"])
    with pytest.raises(ValidationFailed, match="needs a reason"):
        alarms.alarm_clear(alarm=alarm, actor=personas["city_dispatcher"], reason=" ")
    alarms.alarm_clear(alarm=alarm, actor=personas["city_dispatcher"], reason="false alarm")
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CLEARED and not alarm.confirmed_clear
    assert [e.action for e in alarm.events.all()] == [
        "raise",
        "case_opened",
        "acknowledge",
        "clear",
    ]


def test_a_manual_clear_with_the_value_still_in_breach_is_followed_by_a_new_alarm(
    manhole, personas
):
    tilt("MH-0001", (0, 20), (60, 25))
    alarms.alarm_clear(
        alarm=Alarm.objects.get(), actor=personas["city_dispatcher"], reason="checked"
    )
    tilt("MH-0001", (120, 26))
    assert Alarm.objects.filter(status=AlarmStatus.ACTIVE).count() == 1


def test_silence_past_the_window_takes_the_device_offline_and_data_brings_it_back(
    manhole, manhole_type
):
    send("MH-0001", b'[{"n": "battery", "v": 80}]', at=T0)
    window = timedelta(minutes=manhole_type.offline_minutes)
    assert alarms.scan_offline(now=T0 + window - timedelta(seconds=1)) == {
        "offline": 0,
        "alarms": 0,
    }
    assert alarms.scan_offline(now=T0 + window + timedelta(minutes=1)) == {
        "offline": 1,
        "alarms": 1,
    }
    assert alarms.scan_offline(now=T0 + window + timedelta(minutes=2)) == {
        "offline": 0,
        "alarms": 0,
    }
    manhole.refresh_from_db()
    assert not manhole.is_online
    alarm = Alarm.objects.get(rule__kind="offline")
    assert alarm.started_at == T0 + window and alarm.case is None
    result = send("MH-0001", b'[{"n": "battery", "v": 79}]', at=T0 + window + timedelta(hours=1))
    assert result.alarms_cleared == 1
    manhole.refresh_from_db()
    alarm.refresh_from_db()
    assert manhole.is_online and alarm.status == AlarmStatus.CLEARED and alarm.confirmed_clear


def test_a_device_never_heard_from_is_not_offline(manhole):
    assert alarms.scan_offline(now=T0 + timedelta(days=30))["offline"] == 0


def test_the_default_offline_window_comes_from_settings(manhole, manhole_type, settings):
    manhole_type.offline_minutes = None
    manhole_type.save()
    settings.IOT_OFFLINE_MINUTES = 5
    send("MH-0001", b'[{"n": "battery", "v": 80}]', at=T0)
    assert alarms.scan_offline(now=T0 + timedelta(minutes=6))["offline"] == 1


# --- a confirmed clear passes the case's check ---------------------------------------------


@pytest.fixture
def case_desk(personas, small_city, settings, tmp_path):
    from org.models import Role
    from org.services import staff_create

    settings.MEDIA_ROOT = tmp_path / "media"
    leader = staff_create(
        username="shift", password="x" * 12, role=Role.SHIFT_LEADER, areas=[small_city.city]
    ).user
    return {**personas, "shift_leader": leader}


def _file_dispatch_dispose(case, staff, *, dispose: bool = True):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import services
    from cases.factories import image_bytes
    from catalog.models import FilingStandard
    from org.models import Department

    now = T0 + timedelta(minutes=10)
    services.case_file(
        case=case,
        actor=staff["shift_leader"],
        standard=FilingStandard.objects.get(code="01002-01"),  # 缺失、移位、开裂
        now=now,
    )
    tasks = services.case_dispatch(
        case=case,
        actor=staff["city_dispatcher"],
        departments=[Department.objects.get(code="CITY-ROADS")],
        now=now,
    )
    task = services.task_accept(task=tasks[0], actor=staff["roads_disposer"], now=now)
    if dispose:
        photo = SimpleUploadedFile("after.jpg", image_bytes(), content_type="image/jpeg")
        services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo], now=now)
    return task


def test_a_confirmed_clear_after_disposal_passes_the_check(
    manhole, case_desk, django_capture_on_commit_callbacks
):
    tilt("MH-0001", (0, 20), (60, 25))
    case = Alarm.objects.get().case
    with django_capture_on_commit_callbacks(execute=True):
        _file_dispatch_dispose(case, case_desk)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPOSED and case.check_passed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        tilt("MH-0001", (3600, 1), (3660, 1), (3720, 1))
    case.refresh_from_db()
    assert case.check_passed_at is not None
    event = CaseEvent.objects.get(case=case, action=CaseAction.CHECK_PASS)
    assert event.actor.username == alarms.IOT_USERNAME and "sensor confirms" in event.note
    assert Alarm.objects.get().events.filter(action=AlarmAction.CHECK_PASSED).exists()


def test_a_confirmed_clear_before_disposal_passes_the_check_when_disposed(
    manhole, case_desk, django_capture_on_commit_callbacks
):
    tilt("MH-0001", (0, 20), (60, 25))
    case = Alarm.objects.get().case
    with django_capture_on_commit_callbacks(execute=True):
        task = _file_dispatch_dispose(case, case_desk, dispose=False)
        tilt("MH-0001", (600, 1), (660, 1), (720, 1))  # someone put the cover back already
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.check_passed_at is None

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import services
    from cases.factories import image_bytes

    photo = SimpleUploadedFile("after.jpg", image_bytes(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_dispose(task=task, actor=case_desk["roads_disposer"], photos=[photo])
    case.refresh_from_db()
    assert case.check_passed_at is not None


def test_a_clear_by_hand_or_a_rule_without_auto_pass_leaves_the_check_to_people(
    manhole, case_desk, displaced_rule, django_capture_on_commit_callbacks
):
    tilt("MH-0001", (0, 20), (60, 25))
    case = Alarm.objects.get().case
    with django_capture_on_commit_callbacks(execute=True):
        _file_dispatch_dispose(case, case_desk)
        alarms.alarm_clear(
            alarm=Alarm.objects.get(), actor=case_desk["city_dispatcher"], reason="fixed, I saw it"
        )
    case.refresh_from_db()
    assert case.check_passed_at is None  # a person's word is not the sensor's
    AlarmRule.objects.filter(pk=displaced_rule.pk).update(auto_check_pass=False)
    with django_capture_on_commit_callbacks(execute=True):
        tilt("MH-0001", (600, 20), (660, 25))  # a new alarm; intake joins it to the open case
        tilt("MH-0001", (3600, 1), (3660, 1), (3720, 1))
    case.refresh_from_db()
    assert case.check_passed_at is None


# --- deferred case opening (the MQTT consumer's path) -------------------------------------


def test_inside_cases_deferred_an_alarm_opens_no_case_until_open_cases(manhole, displaced_rule):
    with alarms.cases_deferred() as pending:
        tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    assert pending == [alarm.pk] and alarm.case is None
    assert alarms.open_cases(pending) == 1
    alarm.refresh_from_db()
    assert alarm.case.source == SourceChannel.IOT and "MH-0001" in alarm.case.description
    assert "倾角 25°" in alarm.case.description  # the reading that raised it
    assert alarms.open_cases(pending) == 0  # idempotent: a retried task opens nothing more
    assert Case.objects.count() == 1


def test_an_alarm_cleared_before_its_deferred_case_still_gets_the_case_with_the_clear_noted(
    manhole,
):
    with alarms.cases_deferred() as pending:
        tilt("MH-0001", (0, 20), (60, 25), (120, 1), (180, 1), (240, 1))
    alarm = Alarm.objects.get()
    assert alarm.status == AlarmStatus.CLEARED and alarm.case is None
    alarms.open_cases(pending)
    alarm.refresh_from_db()
    note = CaseEvent.objects.get(case=alarm.case, action=CaseAction.NOTE)
    assert "Sensor alarm cleared" in note.note


def test_the_sweeper_opens_cases_a_lost_hand_over_left_behind_after_the_grace_time(
    manhole, displaced_rule
):
    with alarms.cases_deferred():  # the ids are dropped: the process "died" after the commit
        tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    now = alarm.created_at + alarms.MISSING_CASE_GRACE / 2
    assert alarms.open_missing_cases(now=now) == 0  # the queued task may still be on its way
    assert alarms.open_missing_cases(now=now + alarms.MISSING_CASE_GRACE) == 1
    alarm.refresh_from_db()
    assert alarm.case is not None


def test_the_sweeper_leaves_an_alarm_whose_case_intake_refused(manhole, displaced_rule):
    displaced_rule.category = None
    displaced_rule.save()
    with alarms.cases_deferred() as pending:
        tilt("MH-0001", (0, 20), (60, 25))
    assert alarms.open_cases(pending) == 0  # no category: refused and recorded
    alarm = Alarm.objects.get()
    assert alarm.events.filter(action=AlarmAction.CASE_FAILED).count() == 1
    later = alarm.created_at + 2 * alarms.MISSING_CASE_GRACE
    assert alarms.open_missing_cases(now=later) == 0
    assert alarm.events.filter(action=AlarmAction.CASE_FAILED).count() == 1  # not retried


def test_a_disposer_sees_and_acts_on_their_own_departments_alarms_only(manhole, personas):
    """Disposers see cases by department, not area: a city-wide department's disposer must not
    read or acknowledge another owner's alarm anywhere in the city."""
    from iot import selectors
    from org.factories import DEFAULT_PASSWORD
    from org.models import Department, Role
    from org.services import staff_create

    tilt("MH-0001", (0, 20), (60, 25))
    alarm = Alarm.objects.get()
    roads = personas["roads_disposer"]  # the city roads bureau: its area is the whole city
    assert list(selectors.alarm_list(user=roads)) == []
    with pytest.raises(PermissionDenied):
        alarms.alarm_acknowledge(alarm=alarm, actor=roads)
    manhole.department = Department.objects.get(code="CITY-ROADS")  # the cover is theirs
    manhole.save()
    assert list(selectors.alarm_list(user=roads)) == [alarm]
    alpha = staff_create(
        username="disposer_alpha",
        password=DEFAULT_PASSWORD,
        role=Role.DISPOSER,
        department=Department.objects.get(code="ST-ALPHA"),
    ).user
    assert list(selectors.alarm_list(user=alpha)) == []  # the street office's area, not its cover
    alarms.alarm_acknowledge(alarm=alarm, actor=roads, note="crew sent")
    assert list(selectors.alarm_list(user=personas["alpha_inspector"])) == [alarm]  # by area
