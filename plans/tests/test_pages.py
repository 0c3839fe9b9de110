"""The planned-work pages: the crew's list and order page (completion with proof, through the
phone's outbox too), a problem found on the round reported as a case in one tap (作业发现),
the centre's inspection on the page, and the operators' evaluation whose every count opens
exactly the orders behind it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from areas.models import UnitGrid
from cases.models import Case
from cases.states import SourceChannel
from catalog.models import Category, CategoryKind
from org.models import Department
from plans import scheduler, selectors, services
from plans.models import Frequency, OrderStatus, Plan, PlanItem, WorkOrder
from plans.tests.test_planned_work import photo

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID = "330203001001001"
DAY = {"since": "2026-10-12", "until": "2026-10-12"}
OUTBOX = {"HTTP_X_REQUESTED_WITH": "offline-queue"}


@pytest.fixture
def rounds(staff):
    """Alpha street office sweeps Alpha-1 at 08:00 and 14:00 on 2026-10-12 (two orders)."""
    plan = Plan.objects.create(
        name="道路清扫 Alpha-1",
        department=Department.objects.get(code="ST-ALPHA"),
        category=Category.objects.filter(kind=CategoryKind.EVENT, is_active=True)
        .order_by("code")
        .first(),
        frequency=Frequency.DAILY,
        times=["08:00", "14:00"],
        minutes_allowed=120,
        checklist=["路面无垃圾", "果皮箱已清"],
        starts_on=date(2026, 1, 1),
    )
    grid = UnitGrid.objects.get(code=GRID)
    PlanItem.objects.create(plan=plan, grid=grid, area_path=grid.path)
    assert scheduler.generate(date(2026, 10, 12)) == 2
    return plan


def _done_at_nine(order, staff):
    """The crew does ``order`` at 09:00 with every proof (on time for the 08:00 round)."""
    grid = UnitGrid.objects.get(code=GRID)
    services.complete(
        order=order, actor=staff["alpha_disposer"], lon=grid.centroid_lon,
        lat=grid.centroid_lat, answers={"路面无垃圾": "正常", "果皮箱已清": "正常"},
        photo=photo(), now=datetime(2026, 10, 12, 9, tzinfo=SHANGHAI),
    )  # fmt: skip


def _orders():
    return list(WorkOrder.objects.order_by("starts_at"))


def _proof(grid, **more):
    return {
        "answer_0": "ok",
        "answer_1": "problem",
        "lon": f"{grid.centroid_lon:.6f}",
        "lat": f"{grid.centroid_lat:.6f}",
        "photo": photo(),
        **more,
    }


def test_the_crew_sees_its_orders_and_completes_one_with_its_proof(rounds, staff, client):
    morning, afternoon = _orders()
    grid = UnitGrid.objects.get(code=GRID)
    client.force_login(staff["alpha_disposer"])
    page = client.get("/plans/orders/", DAY)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-order="{morning.pk}"' in body and f'data-order="{afternoon.pk}"' in body
    order_page = client.get(f"/plans/orders/{morning.pk}/").content.decode()
    assert 'id="complete-form"' in order_page and "路面无垃圾" in order_page
    assert 'id="inspect-form"' not in order_page  # inspections are the centre's

    refused = client.post(f"/plans/orders/{morning.pk}/complete/", {"answer_0": "ok"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "需要上传照片" in text and "需要提供您的位置" in text and "未填写：果皮箱已清" in text
    assert WorkOrder.objects.get(pk=morning.pk).status == OrderStatus.OPEN  # nothing stored

    done = client.post(f"/plans/orders/{morning.pk}/complete/", _proof(grid, note="东侧已清"))
    assert done.status_code == 302
    morning.refresh_from_db()
    assert morning.status == OrderStatus.DONE and morning.done_by == staff["alpha_disposer"]
    assert morning.answers == {"路面无垃圾": "正常", "果皮箱已清": "有问题"}
    assert morning.photo.name.endswith(".jpg") and morning.note == "东侧已清"
    shown = client.get(f"/plans/orders/{morning.pk}/photo/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert (
        f"/plans/orders/{morning.pk}/photo/"
        in client.get(f"/plans/orders/{morning.pk}/").content.decode()
    )
    client.force_login(staff["roads_disposer"])
    assert client.get(f"/plans/orders/{morning.pk}/photo/").status_code == 404
    client.force_login(staff["alpha_disposer"])
    # The crew's day shows what is left to do; "any status" shows the rest.
    left = client.get("/plans/orders/", DAY).context["page"]
    assert [o.pk for o in left] == [afternoon.pk]
    WorkOrder.objects.filter(pk=afternoon.pk).update(status=OrderStatus.MISSED)
    # A missed order may still be done (late): it stays on the crew's list.
    assert [o.pk for o in client.get("/plans/orders/", DAY).context["page"]] == [afternoon.pk]
    WorkOrder.objects.filter(pk=afternoon.pk).update(status=OrderStatus.OPEN)
    every = client.get("/plans/orders/", {**DAY, "status": ""}).context["page"]
    assert [o.pk for o in every] == [morning.pk, afternoon.pk]


def test_the_outbox_gets_json_and_a_refusal_names_what_is_missing(rounds, staff, client):
    morning, afternoon = _orders()
    grid = UnitGrid.objects.get(code=GRID)
    client.force_login(staff["alpha_disposer"])
    far = _proof(grid, lon="121.000000", lat="29.000000")
    refused = client.post(f"/plans/orders/{morning.pk}/complete/", far, **OUTBOX)
    assert refused.status_code == 422 and "不在作业地点" in refused.json()["message"]
    done = client.post(f"/plans/orders/{morning.pk}/complete/", _proof(grid), **OUTBOX)
    assert done.status_code == 201 and done.json()["ok"] is True
    done_at = WorkOrder.objects.get(pk=morning.pk).done_at
    again = client.post(f"/plans/orders/{morning.pk}/complete/", _proof(grid), **OUTBOX)
    # Sent again after a lost answer: a yes, and nothing changed.
    assert again.status_code == 201 and "已完成" in again.json()["message"]
    assert WorkOrder.objects.filter(status=OrderStatus.DONE).count() == 1
    assert WorkOrder.objects.get(pk=morning.pk).done_at == done_at
    client.force_login(staff["shift_leader"])  # someone else: refused, not pretended done
    assert client.post(
        f"/plans/orders/{morning.pk}/complete/", _proof(grid), **OUTBOX
    ).status_code in (403, 422)


def test_another_department_neither_sees_nor_completes_the_order(rounds, staff, client):
    morning, _afternoon = _orders()
    grid = UnitGrid.objects.get(code=GRID)
    client.force_login(staff["roads_disposer"])
    assert f'data-order="{morning.pk}"' not in client.get("/plans/orders/", DAY).content.decode()
    assert client.get(f"/plans/orders/{morning.pk}/").status_code == 404
    assert client.post(f"/plans/orders/{morning.pk}/complete/", _proof(grid)).status_code == 404
    assert (
        client.post(f"/plans/orders/{morning.pk}/report/", {"description": "x"}).status_code == 404
    )
    assert WorkOrder.objects.get(pk=morning.pk).status == OrderStatus.OPEN


def test_a_problem_found_on_the_round_becomes_one_case_at_the_place(rounds, staff, client):
    morning, _afternoon = _orders()
    client.force_login(staff["alpha_disposer"])
    key = "5f0c2a9e-1b7d-4c3e-9a61-0d2b8f4e7c11"
    sent = client.post(
        f"/plans/orders/{morning.pk}/report/",
        {"description": "果皮箱破损，垃圾外溢", "photos": photo(), "client_key": key},
        **OUTBOX,
    )
    assert sent.status_code == 201, sent.content
    case = Case.objects.get()
    assert case.source == SourceChannel.PLANNED_WORK
    assert case.category == rounds.category
    assert case.grid.code == GRID  # no position from the phone: the order's place
    again = client.post(
        f"/plans/orders/{morning.pk}/report/",
        {"description": "果皮箱破损，垃圾外溢", "photos": photo(), "client_key": key},
        **OUTBOX,
    )
    assert again.status_code == 201 and "上报已收到" in again.json()["message"]
    assert Case.objects.count() == 1  # the retry is the same report
    empty = client.post(f"/plans/orders/{morning.pk}/report/", {"description": ""}, **OUTBOX)
    assert empty.status_code == 422 and Case.objects.count() == 1


def test_the_centre_inspects_on_the_page_and_a_failure_opens_rework(rounds, staff, client):
    morning, _afternoon = _orders()
    _done_at_nine(morning, staff)
    client.force_login(staff["alpha_disposer"])
    assert (
        client.post(f"/plans/orders/{morning.pk}/inspect/", {"result": "passed"}).status_code == 404
    )
    client.force_login(staff["shift_leader"])
    assert 'id="inspect-form"' in client.get(f"/plans/orders/{morning.pk}/").content.decode()
    assert (
        client.post(f"/plans/orders/{morning.pk}/inspect/", {"result": "maybe"}).status_code == 422
    )
    failed = client.post(
        f"/plans/orders/{morning.pk}/inspect/", {"result": "failed", "note": "路面仍有垃圾"}
    )
    assert failed.status_code == 302
    morning.refresh_from_db()
    assert morning.inspection == "failed" and morning.note == "路面仍有垃圾"
    rework = WorkOrder.objects.get(rework_of=morning)
    assert rework.status == OrderStatus.OPEN and rework.department == rounds.department


def test_the_operator_evaluation_counts_and_every_count_opens_its_orders(rounds, staff, client):
    morning, afternoon = _orders()
    _done_at_nine(morning, staff)
    # The afternoon round was never done: its time is up, so it is due and missed (even before
    # the scanner marks it).
    rows = selectors.operator_rows(
        selectors.in_period(WorkOrder.objects.all(), date(2026, 10, 12), date(2026, 10, 12)),
        datetime(2026, 10, 13, tzinfo=SHANGHAI),
    )
    (row,) = rows
    assert row.counts["due"] == 2 and row.counts["done"] == 1 and row.counts["on_time"] == 1
    assert row.counts["missed"] == 1 and row.completion_rate == 50.0 and row.pass_rate is None
    # Before the afternoon round's end it is due nowhere.
    early = selectors.operator_rows(
        selectors.in_period(WorkOrder.objects.all(), date(2026, 10, 12), date(2026, 10, 12)),
        datetime(2026, 10, 12, 15, tzinfo=SHANGHAI),
    )[0]
    assert early.counts["due"] == 1 and early.on_time_rate == 100.0

    client.force_login(staff["shift_leader"])
    page = client.get("/plans/operators/", DAY)
    assert page.status_code == 200 and 'data-operator="ST-ALPHA"' in page.content.decode()
    (link,) = [r for r in page.context["rows"] if r.code == "ST-ALPHA"]
    missed = client.get(link.links["missed"])
    assert [o.pk for o in missed.context["page"]] == [afternoon.pk]
    on_time = client.get(link.links["on_time"])
    assert [o.pk for o in on_time.context["page"]] == [morning.pk]
    exported = client.get("/plans/operators/", {**DAY, "format": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert lines[1][1] == rounds.department.name and lines[1][2:6] == ["2", "1", "1", "1"]
    assert client.get("/plans/orders/", {**DAY, "which": "nonsense"}).status_code == 400
    assert client.get("/plans/orders/", {**DAY, "plan": "²"}).status_code == 200

    client.force_login(staff["roads_disposer"])  # another department: none of Alpha's numbers
    assert client.get("/plans/operators/", DAY).context["rows"] == []


def test_the_admin_adds_every_grid_of_an_area_as_places_once(staff, client):
    """A centre sets up "sweep every grid of Alpha": the admin adds all its grids, and saving
    again with the same area adds none twice."""
    from areas.models import AdminArea

    alpha = AdminArea.objects.get(code="330203001")
    client.force_login(staff["admin"])
    form = {
        "name": "Alpha 全域清扫", "department": Department.objects.get(code="ST-ALPHA").pk,
        "frequency": "daily", "days": "[]", "times": '["08:00"]', "checklist": '["路面无垃圾"]',
        "minutes_allowed": "120", "needs_photo": "on", "sample_share": "0.05",
        "starts_on": "2026-12-01", "is_active": "on", "grids_of": alpha.pk,
        "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
    }  # fmt: skip
    created = client.post("/admin/plans/plan/add/", form)
    assert created.status_code == 302, created.content.decode()[:3000]
    plan = Plan.objects.get(name="Alpha 全域清扫")
    grids = UnitGrid.objects.filter(path__startswith=alpha.path).count()
    assert grids > 1 and plan.items.count() == grids
    again = client.post(f"/admin/plans/plan/{plan.pk}/change/", {
        **form, "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert again.status_code == 302 and plan.items.count() == grids
    half = client.post("/admin/plans/plan/add/", {**form, "name": "x", "grids_of": "",
                                                  "components_in": alpha.pk})  # fmt: skip
    assert half.status_code == 200 and not Plan.objects.filter(name="x").exists()


def test_a_crew_reports_on_a_component_another_department_maintains(staff, client):
    """A street crew's round over covers the roads bureau maintains: the order authorises the
    component, so the report names it (at its place) although the crew's own slice of the
    register would not show it."""
    from components import identifiers
    from components.models import Component
    from components.tests.test_register import _feature, _load

    code = identifiers.make("330203", "01003", 1)
    _load([_feature(code, YHDWDM="CITY-ROADS")])
    cover = Component.objects.get(code=code)
    plan = Plan.objects.create(
        name="井盖巡查", department=Department.objects.get(code="ST-ALPHA"),
        category=Category.objects.filter(kind=CategoryKind.EVENT, code="06012").first(),
        frequency=Frequency.EVERY_DAY, times=["08:00"], starts_on=date(2026, 1, 1),
    )  # fmt: skip
    PlanItem.objects.create(plan=plan, component=cover, area_path=cover.area_path)
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.get(plan=plan)
    client.force_login(staff["alpha_disposer"])
    sent = client.post(
        f"/plans/orders/{order.pk}/report/",
        {"description": "井盖松动", "photos": photo(), "lon": "121.0", "lat": "29.0"},
        **OUTBOX,
    )
    assert sent.status_code == 201, sent.content
    case = Case.objects.get()
    # The plan's category (道路不洁) does not fit a cover: the cover's own category stands in.
    assert case.component == cover and case.category == cover.category
    assert (case.lon, case.lat) == (cover.lon, cover.lat)  # the component's place, not the GPS


def test_a_road_segment_is_a_place_whose_crew_proves_it_was_on_the_road(staff, client):
    """清扫路段 as a plan's place: the position must lie on the road (within the segment's
    tolerance, at least 30 m); 100 m off is refused."""
    from iot.models import RoadSegment

    grid = UnitGrid.objects.get(code=GRID)
    y = grid.centroid_lat
    road = RoadSegment.objects.create(
        code="alpha-road-1", name="阿尔法路", area_path=grid.path, tolerance_m=15,
        geometry={"type": "LineString", "coordinates": [[121.501, y], [121.509, y]]},
    )  # fmt: skip
    plan = Plan.objects.create(
        name="机扫 阿尔法路", department=Department.objects.get(code="ST-ALPHA"),
        frequency=Frequency.EVERY_DAY, times=["06:00"], starts_on=date(2026, 1, 1),
        needs_photo=False, checklist=[],
    )  # fmt: skip
    item = PlanItem.objects.create(plan=plan, segment=road, area_path="")
    assert item.area_path == grid.path  # follows the road
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.get(plan=plan)
    client.force_login(staff["alpha_disposer"])
    page = client.get(f"/plans/orders/{order.pk}/").content.decode()
    assert "阿尔法路 alpha-road-1" in page
    off = y + 0.0009  # about 100 m north
    far = client.post(
        f"/plans/orders/{order.pk}/complete/", {"lon": "121.505", "lat": f"{off}"}, **OUTBOX
    )
    assert far.status_code == 422
    near = client.post(
        f"/plans/orders/{order.pk}/complete/", {"lon": "121.505", "lat": f"{y + 0.0001}"}, **OUTBOX
    )
    assert near.status_code == 201, near.content  # about 11 m: on the road
    api = client.get("/api/v1/plans/orders", {"status": "done"}).json()
    assert [o["place"] for o in api] == ["alpha-road-1"]
