"""Planned work (周期性工单): the scheduler across weekends, holidays and 调休 make-up days, an
idempotent rerun, missed orders, completion with its proof, deterministic sampling and an
inspection whose failure opens rework, and each crew seeing its own orders only."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from areas.models import UnitGrid
from core.errors import PermissionDenied, ValidationFailed
from org.models import Department
from plans import scheduler, services
from plans.models import Frequency, OrderStatus, Plan, PlanItem, WorkOrder

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID = "330203001001001"


def photo() -> SimpleUploadedFile:
    from cases.tests.conftest import image_bytes

    return SimpleUploadedFile("round.jpg", image_bytes(), content_type="image/jpeg")


@pytest.fixture
def sweeping(staff):
    """Alpha street office sweeps Alpha-1 every working day at 08:00 and 14:00, 2 hours each."""
    plan = Plan.objects.create(
        name="道路清扫 Alpha-1",
        department=Department.objects.get(code="ST-ALPHA"),
        frequency=Frequency.DAILY,
        times=["08:00", "14:00"],
        minutes_allowed=120,
        checklist=["路面无垃圾", "果皮箱已清"],
        starts_on=date(2026, 1, 1),
    )
    grid = UnitGrid.objects.get(code=GRID)
    PlanItem.objects.create(plan=plan, grid=grid, area_path=grid.path)
    return plan


def test_working_days_follow_the_calendar_with_holidays_and_make_up_days(sweeping):
    # 2026-10-01 National Day (holiday, Thursday); 2026-10-10 a Saturday make-up working day (调休);
    # 2026-10-12 a plain Monday; 2026-10-11 a plain Sunday.
    from core import workcalendar

    days = {
        d: workcalendar.is_workday(d)
        for d in (date(2026, 10, 1), date(2026, 10, 12), date(2026, 10, 11))
    }
    assert days == {date(2026, 10, 1): False, date(2026, 10, 12): True, date(2026, 10, 11): False}
    assert scheduler.generate(date(2026, 10, 1)) == 0
    assert scheduler.generate(date(2026, 10, 11)) == 0
    assert scheduler.generate(date(2026, 10, 12)) == 2
    make_up = [d for d in (date(2026, 9, 27), date(2026, 10, 10)) if workcalendar.is_workday(d)]
    for day in make_up:  # a weekend day that is worked (调休) has its rounds
        assert scheduler.generate(day) == 2
    weekly = Plan.objects.create(
        name="公厕保洁", department=sweeping.department, frequency=Frequency.WEEKLY, days=[6],
        times=["09:00"], starts_on=date(2026, 1, 1),
    )  # fmt: skip
    PlanItem.objects.create(
        plan=weekly, grid=sweeping.items.get().grid, area_path=sweeping.items.get().area_path
    )
    assert scheduler.generate(date(2026, 10, 11), plans=[weekly]) == 0  # Sunday
    assert scheduler.generate(date(2026, 10, 17), plans=[weekly]) == 1  # Saturday


def test_a_rerun_creates_nothing_twice_and_late_orders_are_missed(sweeping):
    day = date(2026, 10, 12)
    assert scheduler.generate(day) == 2
    assert scheduler.generate(day) == 0
    assert WorkOrder.objects.count() == 2
    morning = WorkOrder.objects.get(starts_at=datetime(2026, 10, 12, 8, tzinfo=SHANGHAI))
    assert morning.due_at == datetime(2026, 10, 12, 10, tzinfo=SHANGHAI)
    assert scheduler.mark_missed(datetime(2026, 10, 12, 10, 1, tzinfo=SHANGHAI)) == 1
    morning.refresh_from_db()
    assert morning.status == OrderStatus.MISSED


def test_an_order_is_done_only_with_its_proof_by_its_crew(sweeping, staff):
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.order_by("starts_at").first()
    grid = UnitGrid.objects.get(code=GRID)
    crew = staff["alpha_disposer"]  # Alpha street office
    with pytest.raises(PermissionDenied):
        services.complete(
            order=order, actor=staff["roads_disposer"], lon=grid.centroid_lon, lat=grid.centroid_lat
        )
    with pytest.raises(ValidationFailed) as refused:
        services.complete(
            order=order, actor=crew, lon=121.0, lat=29.0, answers={"路面无垃圾": "是"}
        )
    problems = refused.value.details["problems"]
    assert any("photo" in p for p in problems) and any("not at the place" in p for p in problems)
    assert any("果皮箱已清" in p for p in problems)
    done = services.complete(
        order=order, actor=crew, lon=grid.centroid_lon, lat=grid.centroid_lat,
        answers={"路面无垃圾": "是", "果皮箱已清": "是"}, photo=photo(),
        now=datetime(2026, 10, 12, 10, 30, tzinfo=SHANGHAI),
    )  # fmt: skip
    assert done.status == OrderStatus.DONE and done.late and done.photo.name


def test_sampling_is_deterministic_and_a_failed_inspection_opens_rework(sweeping, staff):
    sweeping.sample_share = 1
    sweeping.save()
    scheduler.generate(date(2026, 10, 12))
    grid = UnitGrid.objects.get(code=GRID)
    for order in WorkOrder.objects.all():
        services.complete(
            order=order, actor=staff["alpha_disposer"], lon=grid.centroid_lon, lat=grid.centroid_lat,
            answers={"路面无垃圾": "是", "果皮箱已清": "是"}, photo=photo(),
            now=datetime(2026, 10, 12, 9, tzinfo=SHANGHAI),
        )  # fmt: skip
    assert services.sample(date(2026, 10, 12)) == 2
    assert services.sample(date(2026, 10, 12)) == 0  # picked once
    order = WorkOrder.objects.order_by("pk").first()
    rework = services.inspect(
        order=order, actor=staff["shift_leader"], passed=False, note="路面仍有垃圾"
    )
    assert rework.rework_of == order and rework.status == OrderStatus.OPEN
    order.refresh_from_db()
    assert order.inspection == "failed"
    assert services._picked(order.pk, 0.5) == services._picked(order.pk, 0.5)


def test_each_crew_sees_and_completes_its_own_orders_through_the_api(sweeping, staff, client):
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.order_by("starts_at").first()
    client.force_login(staff["alpha_disposer"])
    mine = client.get("/api/v1/plans/orders").json()
    assert [o["id"] for o in mine] == list(
        WorkOrder.objects.order_by("due_at", "pk").values_list("pk", flat=True)
    )
    grid = UnitGrid.objects.get(code=GRID)
    answers = json.dumps({"路面无垃圾": "是", "果皮箱已清": "是"}, ensure_ascii=False)
    done = client.post(
        f"/api/v1/plans/orders/{order.pk}/complete",
        {"lon": grid.centroid_lon, "lat": grid.centroid_lat, "answers": answers, "photo": photo()},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    refused = client.post(f"/api/v1/plans/orders/{order.pk}/complete", {"answers": "[1]"})
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "answers"
    again = client.post(f"/api/v1/plans/orders/{order.pk}/complete", {"answers": answers})
    assert again.status_code == 409  # done already
    client.force_login(staff["roads_disposer"])  # another department: not theirs
    assert client.get("/api/v1/plans/orders").json() == []
    assert client.post(f"/api/v1/plans/orders/{order.pk}/complete", {}).status_code == 404
    client.force_login(staff["shift_leader"])
    failed = client.post(
        f"/api/v1/plans/orders/{order.pk}/inspect",
        {"passed": False},
        content_type="application/json",
    )
    assert failed.status_code == 200 and failed.json()["rework_of"] == order.pk


def test_a_photo_that_is_not_an_image_is_refused(sweeping, staff):
    sweeping.needs_position = sweeping.needs_checklist = False
    sweeping.save()
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.order_by("starts_at").first()
    fake = SimpleUploadedFile("round.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationFailed):
        services.complete(order=order, actor=staff["alpha_disposer"], photo=fake)
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN and not order.photo


def test_a_missed_order_can_still_be_done_late(sweeping, staff):
    scheduler.generate(date(2026, 10, 12))
    scheduler.mark_missed(datetime(2026, 10, 12, 23, tzinfo=SHANGHAI))
    order = WorkOrder.objects.order_by("starts_at").first()
    assert order.status == OrderStatus.MISSED
    grid = UnitGrid.objects.get(code=GRID)
    done = services.complete(
        order=order, actor=staff["alpha_disposer"], lon=grid.centroid_lon, lat=grid.centroid_lat,
        answers={"路面无垃圾": "是", "果皮箱已清": "是"}, photo=photo(),
        now=datetime(2026, 10, 12, 23, 30, tzinfo=SHANGHAI),
    )  # fmt: skip
    assert done.status == OrderStatus.DONE and done.late


def test_times_in_any_order_count_right_and_a_bad_plan_stops_no_other(sweeping, staff):
    from django.core.exceptions import ValidationError

    sweeping.times = ["14:00", "08:00", "08:00"]
    sweeping.save()
    broken = Plan.objects.create(
        name="broken", department=sweeping.department, frequency=Frequency.EVERY_DAY,
        times=["8 o'clock"], starts_on=date(2026, 1, 1),
    )  # fmt: skip
    PlanItem.objects.create(plan=broken, grid=sweeping.items.get().grid)
    assert scheduler.generate(date(2026, 10, 12)) == 2
    with pytest.raises(ValidationError) as refused:
        broken.full_clean()
    assert "times" in refused.value.message_dict
    weekly = Plan(name="w", department=sweeping.department, frequency=Frequency.WEEKLY, days=[8],
                  times=["09:00"], starts_on=date(2026, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        weekly.full_clean()
    assert "days" in refused.value.message_dict
    assert PlanItem.objects.get(plan=broken).area_path == sweeping.items.get().grid.path


def test_an_answer_of_null_is_no_answer(sweeping, staff):
    sweeping.needs_photo = sweeping.needs_position = False
    sweeping.save()
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.order_by("starts_at").first()
    with pytest.raises(ValidationFailed, match="果皮箱已清"):
        services.complete(
            order=order,
            actor=staff["alpha_disposer"],
            answers={"路面无垃圾": "是", "果皮箱已清": None},
        )
