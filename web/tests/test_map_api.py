"""/api/v1/map/*: the one map's layers, per viewport, scoped, aggregated when zoomed out."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases import sla
from cases.api_selectors import case_light
from cases.factories import CaseFactory, TaskFactory
from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, CaseStatus, TaskStatus
from core import coords
from core.models import TimeUnit
from org.factories import DepartmentFactory
from web import map_layers

SH = ZoneInfo("Asia/Shanghai")
# A Wednesday morning inside working hours.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SH)
CITY_BOX = "121.40,29.80,121.60,29.90"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _grid(small_city, community="alpha1", n=0):
    from areas.models import UnitGrid

    return UnitGrid.objects.filter(community=small_city.communities[community]).order_by("code")[n]


def _case(grid, status=CaseStatus.FILED, **kw):
    return CaseFactory(grid=grid, status=status, **kw)


def _cells_total(body):
    return sum(c["n"] for c in body["cells"])


# --- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ("bbox=1,2,3&zoom=12", "bbox"),
        ("bbox=a,b,c,d&zoom=12", "bbox"),
        ("bbox=121.6,29.8,121.4,29.9&zoom=12", "bbox"),  # west > east
        ("bbox=nan,29.8,121.4,29.9&zoom=12", "bbox"),
        ("bbox=121.4,29.8,121.6,95&zoom=12", "bbox"),
        (f"bbox={CITY_BOX}&zoom=40", "zoom"),
        (f"bbox={CITY_BOX}&zoom=12&range=year", "range"),
        (f"bbox={CITY_BOX}&zoom=12&crs=mars", "crs"),
    ],
)
def test_a_bad_viewport_is_a_422_naming_the_field(client, personas, query, field):
    response = _get(client, personas["city_leader"], f"/api/v1/map/cases?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["details"]["field"] == field


def test_anonymous_gets_401(client, small_city):
    for url in (
        f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=12",
        f"/api/v1/map/heat?bbox={CITY_BOX}&zoom=12",
        f"/api/v1/map/devices?bbox={CITY_BOX}&zoom=12",
        f"/api/v1/map/trackers?bbox={CITY_BOX}",
        "/api/v1/map/areas",
    ):
        assert client.get(url).status_code == 401, url


# --- cases: cells and points ------------------------------------------------------------------


def _dispatched(grid, dept, *, started, deadline, warned=False, paused_at=None):
    case = _case(grid, status=CaseStatus.DISPATCHED, reported_at=started)
    TaskFactory(
        case=case,
        department=dept,
        status=TaskStatus.ACCEPTED,
        started_at=started,
        deadline_at=deadline,
        warned_at=deadline - timedelta(hours=1) if warned else None,
        paused_at=paused_at,
        time_unit=TimeUnit.URGENT_HOUR,
    )
    return case


def test_zoomed_out_cases_come_as_cells_counted_by_light(client, personas, small_city):
    dept = DepartmentFactory(area=small_city.city)
    now = NOW
    g1, g2 = _grid(small_city), _grid(small_city, "beta1")
    _dispatched(g1, dept, started=now - timedelta(hours=5), deadline=now - timedelta(hours=1))
    _dispatched(g1, dept, started=now - timedelta(hours=5), deadline=now + timedelta(hours=1),
                warned=True)  # fmt: skip
    _dispatched(g2, dept, started=now - timedelta(hours=1), deadline=now + timedelta(hours=9))
    _case(g2)  # filed, not dispatched: no light
    _case(g2, status=CaseStatus.CLOSED)  # closed: not on the open-case layer
    body = _get(client, personas["city_leader"], f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=11")
    body = body.json()
    assert body["mode"] == "cells" and body["points"] == []
    assert _cells_total(body) == 4
    assert sum(c["red"] for c in body["cells"]) == 1
    assert sum(c["yellow"] for c in body["cells"]) == 1
    assert sum(c["green"] for c in body["cells"]) == 1
    for cell in body["cells"]:  # each cluster sits among its points, inside the box
        assert 121.40 <= cell["lon"] <= 121.60 and 29.80 <= cell["lat"] <= 29.90


def test_zoomed_in_cases_come_as_points_with_what_a_popup_needs(client, personas, small_city):
    dept = DepartmentFactory(area=small_city.city)
    late = _dispatched(
        _grid(small_city), dept, started=NOW - timedelta(hours=5), deadline=NOW - timedelta(hours=1)
    )
    body = _get(client, personas["city_leader"], f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=16")
    body = body.json()
    assert body["mode"] == "points" and body["cells"] == []
    (point,) = body["points"]
    assert point["number"] == late.number and point["light"] == "red"
    assert point["status"] == "dispatched" and point["lon"] == pytest.approx(late.lon)


def test_too_many_points_are_cells_even_zoomed_in(client, personas, small_city, monkeypatch):
    monkeypatch.setattr(map_layers, "MAX_POINTS", 2)
    for _ in range(3):
        _case(_grid(small_city))
    body = _get(client, personas["city_leader"], f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=17")
    assert body.json()["mode"] == "cells" and _cells_total(body.json()) == 3


def test_a_huge_box_at_a_deep_zoom_still_answers_in_few_cells(client, personas, small_city):
    for community in ("alpha1", "beta1", "gamma1"):
        _case(_grid(small_city, community))
    body = _get(client, personas["city_leader"], "/api/v1/map/heat?bbox=-180,-90,180,90&zoom=22")
    body = body.json()
    assert body["cell"] >= 360 / map_layers.MAX_CELLS_ACROSS and _cells_total(body) == 3


def test_the_box_and_the_range_narrow_the_cases(client, personas, small_city):
    _case(_grid(small_city, "gamma1"))  # west, at 121.46
    old = _case(_grid(small_city), reported_at=NOW - timedelta(days=10))
    new = _case(_grid(small_city))
    east_only = "121.49,29.80,121.60,29.90"
    user = personas["city_leader"]
    body = _get(client, user, f"/api/v1/map/cases?bbox={east_only}&zoom=16").json()
    assert {p["number"] for p in body["points"]} == {old.number, new.number}
    body = _get(client, user, f"/api/v1/map/cases?bbox={east_only}&zoom=16&range=7d").json()
    assert {p["number"] for p in body["points"]} == {new.number}


def test_a_street_operator_sees_only_the_street_and_a_disposer_only_the_department(
    client, personas, small_city
):
    from org.models import Department

    roads = Department.objects.get(code="CITY-ROADS")
    other = DepartmentFactory(area=small_city.city)
    alpha = _dispatched(_grid(small_city), roads, started=NOW, deadline=NOW + timedelta(hours=8))
    beta = _dispatched(
        _grid(small_city, "beta1"), other, started=NOW, deadline=NOW + timedelta(hours=8)
    )
    url = f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=16"
    seen = {p["number"] for p in _get(client, personas["beta_operator"], url).json()["points"]}
    assert seen == {beta.number}
    seen = {p["number"] for p in _get(client, personas["roads_disposer"], url).json()["points"]}
    assert seen == {alpha.number}
    url = f"/api/v1/map/cases?bbox={CITY_BOX}&zoom=10"
    assert _cells_total(_get(client, personas["beta_operator"], url).json()) == 1


def test_the_map_light_agrees_with_the_case_light_after_a_scanner_pass(personas, small_city):
    """The SQL light (deadline and the scanner's warning) equals the in-process light of each
    case (cases.api_selectors.case_light) for clocks early, near, past, paused and in working
    hours."""
    from dispatch.scanner import scan

    dept = DepartmentFactory(area=small_city.city)
    grid = _grid(small_city)
    made = []
    for unit in (TimeUnit.URGENT_HOUR, TimeUnit.WORK_HOUR):
        for hours_ago in (1, 3, 3.5, 4.2, 9, 30):
            case = _case(grid, status=CaseStatus.DISPATCHED)
            started = NOW - timedelta(hours=hours_ago)
            task = TaskFactory(
                case=case, department=dept, status=TaskStatus.ACCEPTED, time_unit=unit,
                time_limit=Decimal(4), started_at=started,
                deadline_at=sla.task_deadline(
                    started_at=started, time_limit=Decimal(4), extended=Decimal(0), unit=unit,
                    paused_seconds=0, area_class=case.area_class,
                ),
            )  # fmt: skip
            made.append((case, task))
    # One paused after its deadline (red while paused), one paused early (not red).
    paused_late = made[-1][1]
    # (one working hour after the deadline: right at a deadline that ends a working window the
    # map is red already, the case page yellow until the next working minute; see the docstring)
    Task.objects.filter(pk=paused_late.pk).update(
        paused_at=sla.push(paused_late.deadline_at, 3600, paused_late.time_unit, "")
    )
    paused_early = made[1][1]
    Task.objects.filter(pk=paused_early.pk).update(
        paused_at=paused_early.started_at + timedelta(minutes=30)
    )
    Case.objects.filter(pk__in=[paused_late.case_id, paused_early.case_id]).update(
        status=CaseStatus.SUSPENDED
    )
    scan(NOW)
    sql = dict(
        Case.objects.filter(pk__in=[c.pk for c, _t in made])
        .annotate(light=map_layers.light_expression(NOW))
        .values_list("pk", "light")
    )
    assert {v for v in sql.values()} >= {"red", "yellow", "green"}  # the variety is there
    for case, _task in made:
        tasks = list(
            Task.objects.filter(case=case, status__in=OPEN_TASK_STATUSES).select_related("case")
        )
        expected = case_light(tasks, NOW)
        assert sql[case.pk] == (expected.value if expected else ""), (case.pk, _task.time_unit)


def test_a_category_class_narrows_the_cases_and_the_heat(client, personas, small_city):
    from catalog.models import Category

    grid = _grid(small_city)
    a = Category.objects.filter(is_active=True, kind="event").order_by("code").first()
    b = Category.objects.filter(is_active=True).exclude(major_code=a.major_code).first()
    mine = _case(grid, category=a)
    _case(grid, category=b)
    user = personas["city_leader"]
    query = f"bbox={CITY_BOX}&zoom=16&category={a.major_code}&kind=event"
    body = _get(client, user, f"/api/v1/map/cases?{query}").json()
    assert [p["number"] for p in body["points"]] == [mine.number]
    heat = _get(client, user, f"/api/v1/map/heat?{query}").json()
    assert _cells_total(heat) == 1


# --- heat ------------------------------------------------------------------------------------


def test_heat_counts_every_case_of_the_range_open_or_closed(client, personas, small_city):
    grid = _grid(small_city)
    _case(grid, status=CaseStatus.CLOSED)
    _case(grid)
    _case(grid, reported_at=NOW - timedelta(days=20))
    user = personas["city_leader"]
    body = _get(client, user, f"/api/v1/map/heat?bbox={CITY_BOX}&zoom=12&range=7d").json()
    assert _cells_total(body) == 2 and body["max"] == 2
    body = _get(client, user, f"/api/v1/map/heat?bbox={CITY_BOX}&zoom=12&range=30d").json()
    assert _cells_total(body) == 3
    body = _get(client, personas["beta_operator"], f"/api/v1/map/heat?bbox={CITY_BOX}&zoom=12")
    assert body.json()["cells"] == []


# --- devices, vehicles, badges ---------------------------------------------------------------


def _device(code, grid, **kw):
    from iot import services
    from iot.models import DeviceType

    device, _ = services.device_create(
        code=code,
        name=code,
        device_type=DeviceType.objects.get(code="manhole_cover"),
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        token=f"{code}-token-abcdefghijklmnop",
    )
    if kw:
        type(device).objects.filter(pk=device.pk).update(**kw)
    return device


def test_devices_show_their_state_and_are_scoped(client, personas, small_city):
    from iot.models import Alarm, AlarmRule

    grid = _grid(small_city)
    online = _device("MH-ON", grid, is_online=True)
    _device("MH-OFF", grid, is_online=False)
    alarming = _device("MH-AL", grid, is_online=True)
    rule = AlarmRule.objects.filter(device_type=alarming.device_type).first()
    Alarm.objects.create(
        device=alarming, rule=rule, severity=rule.severity, started_at=NOW,
        last_triggered_at=NOW, area_path=alarming.area_path,
    )  # fmt: skip
    _device("MH-BETA", _grid(small_city, "beta1"), is_online=True)
    body = _get(client, personas["alpha_inspector"], f"/api/v1/map/devices?bbox={CITY_BOX}&zoom=17")
    states = {p["code"]: p["state"] for p in body.json()["points"]}
    assert states == {"MH-ON": "online", "MH-OFF": "offline", "MH-AL": "alarm"}
    assert online.code in states
    body = _get(client, personas["city_leader"], f"/api/v1/map/devices?bbox={CITY_BOX}&zoom=10")
    (cells,) = [body.json()["cells"]]
    assert sum(c["alarm"] for c in cells) == 1 and sum(c["n"] for c in cells) == 4


def _track(device, *points):
    from iot.models import TrackPoint

    TrackPoint.objects.bulk_create(
        [TrackPoint(tracker=device, ts=ts, lon=lon, lat=lat) for ts, lon, lat in points]
    )


def test_vehicles_and_badges_at_their_last_position_with_a_trail(client, personas, small_city):
    from iot.tracking import services
    from iot.tracking.models import VehicleKind

    vehicle, _ = services.vehicle_create(
        plate="浙B-S0001", kind=VehicleKind.SANITATION, company="Alpha Sanitation",
        area=small_city.alpha, token="sweeper-token-0001-abcdefgh",
    )  # fmt: skip
    badge, _ = services.badge_create(
        number="HW-1", name="Wang", grids=[_grid(small_city)], token="badge-token-0001-abcdefghij"
    )
    _track(vehicle.device, *[(NOW - timedelta(minutes=m), 121.501 + m / 1000, 29.861) for m in (40, 20, 5, 1)])  # fmt: skip
    _track(badge.device, (NOW - timedelta(hours=2), 121.505, 29.865))
    user = personas["alpha_inspector"]
    points = _get(client, user, f"/api/v1/map/trackers?bbox={CITY_BOX}").json()["points"]
    by_label = {p["label"]: p for p in points}
    assert by_label["浙B-S0001"]["online"] is True
    assert by_label["浙B-S0001"]["lon"] == pytest.approx(121.502)  # the last fix (1 min ago)
    assert by_label["Wang"]["online"] is False  # two hours silent
    trail = _get(client, user, f"/api/v1/map/trackers/{vehicle.device_id}/trail").json()
    assert [c[0] for c in trail["line"]] == pytest.approx([121.521, 121.506, 121.502])  # 30 min
    # Out of scope: the same 404 as a device that does not exist.
    other = personas["beta_operator"]
    assert _get(client, other, f"/api/v1/map/trackers?bbox={CITY_BOX}").json()["points"] == []
    missing = _get(client, other, "/api/v1/map/trackers/999999/trail")
    hidden = _get(client, other, f"/api/v1/map/trackers/{vehicle.device_id}/trail")
    assert missing.status_code == hidden.status_code == 404


def test_geofences_and_sweeping_coverage(client, personas, small_city):
    from iot.tracking.models import CoverageDay, Geofence, GeofenceKind, RoadSegment

    Geofence.objects.create(
        name="No muck trucks", kind=GeofenceKind.values[0], buffer_m=0,
        geometry={"type": "Polygon", "coordinates": [[[121.50, 29.85], [121.51, 29.85],
                  [121.51, 29.86], [121.50, 29.85]]]},
    )  # fmt: skip
    alpha_road = RoadSegment.objects.create(
        code="alpha-1", name="Alpha Rd", street=small_city.alpha,
        geometry={"type": "LineString", "coordinates": [[121.501, 29.861], [121.509, 29.861]]},
    )  # fmt: skip
    beta_road = RoadSegment.objects.create(
        code="beta-1", name="Beta Rd", street=small_city.beta,
        geometry={"type": "LineString", "coordinates": [[121.541, 29.861], [121.549, 29.861]]},
    )  # fmt: skip
    day = NOW.date() - timedelta(days=1)
    for road, share in ((alpha_road, 0.95), (beta_road, 0.4)):
        CoverageDay.objects.create(segment=road, date=day, covered_share=share,
                                   covered_m=share * road.length_m, computed_at=NOW)  # fmt: skip
    body = _get(client, personas["beta_operator"], "/api/v1/map/coverage").json()
    assert body["day"] == day.isoformat()
    assert [(f["properties"]["code"], f["properties"]["share"]) for f in body["features"]] == [
        ("beta-1", 0.4)
    ]  # Beta's road only
    fences = _get(client, personas["city_leader"], "/api/v1/map/fences").json()
    assert [f["properties"]["name"] for f in fences["features"]] == ["No muck trucks"]
    assert client.get("/api/v1/map/fences").status_code == 200  # still the leader's session
    client.logout()
    assert client.get("/api/v1/map/fences").status_code == 401


# --- areas and the tiles' coordinate system --------------------------------------------------


def test_areas_carry_their_latest_sign_index(client, personas, small_city):
    from signs.models import Level, SignNode, SignValue
    from signs.tree import active_tree

    tree = active_tree()
    root = SignNode.objects.get(tree=tree, level=Level.INDEX)
    day = NOW.date()
    for d, score in ((day - timedelta(days=1), 50.0), (day, 91.5)):
        SignValue.objects.create(
            tree=tree, node=root, area_path=small_city.alpha.path, tier="street", day=d,
            score=score, band="blue" if score > 90 else "orange",
            colour="blue" if score > 90 else "orange", status="ok", explanation={},
        )  # fmt: skip
    body = _get(client, personas["city_leader"], "/api/v1/map/areas?level=street").json()
    index = {f["properties"]["code"]: f["properties"]["index"] for f in body["features"]}
    assert index["330203001"]["score"] == 91.5 and index["330203001"]["band"] == "blue"
    assert index["330203002"] is None  # Beta: not computed, drawn without a colour
    assert body["day"] == day.isoformat()
    response = _get(client, personas["city_leader"], "/api/v1/map/areas?level=planet")
    assert response.status_code == 422


def test_gcj02_tiles_get_shifted_coordinates_from_a_shifted_box(client, personas, small_city):
    case = _case(_grid(small_city))
    (west, east), (south, north) = coords.from_wgs84_many([121.40, 121.60], [29.80, 29.90], "gcj02")
    box = f"{west},{south},{east},{north}"
    body = _get(client, personas["city_leader"], f"/api/v1/map/cases?bbox={box}&zoom=16&crs=gcj02")
    (point,) = body.json()["points"]
    expected = coords.wgs84_to_gcj02(case.lon, case.lat)
    assert (point["lon"], point["lat"]) == pytest.approx(expected, abs=1e-6)
    assert abs(point["lon"] - case.lon) > 0.003  # the GCJ-02 offset in Ningbo is ~400 m
    areas = _get(client, personas["city_leader"], "/api/v1/map/areas?level=street&crs=gcj02")
    ring = areas.json()["features"][0]["geometry"]["coordinates"][0]
    assert ring[0][0] > 121.45 + 0.003
    grids = _get(client, personas["city_leader"], "/api/v1/grids/geojson?crs=gcj02").json()
    plain = _get(client, personas["city_leader"], "/api/v1/grids/geojson").json()
    moved = grids["features"][0]["geometry"]["coordinates"][0][0]
    there = plain["features"][0]["geometry"]["coordinates"][0][0]
    assert moved == pytest.approx(list(coords.wgs84_to_gcj02(*there)), abs=1e-6)
    assert (
        _get(client, personas["city_leader"], "/api/v1/grids/geojson?crs=mars").status_code == 422
    )


def test_an_area_label_sits_inside_even_a_crescent():
    """The middle of a C-shaped street's bounds is outside it; its label point is not."""
    import shapely
    from shapely.geometry import Point, mapping

    ring = Point(121.55, 29.87).buffer(0.02).difference(Point(121.56, 29.87).buffer(0.017))
    geometry = mapping(ring)
    lon, lat = map_layers.label_point(geometry)
    assert ring.contains(Point(lon, lat))
    assert not ring.contains(shapely.box(*ring.bounds).centroid)
    islands = mapping(shapely.MultiPolygon([Point(0, 0).buffer(0.001), Point(1, 1).buffer(0.01)]))
    assert Point(map_layers.label_point(islands)).distance(Point(1, 1)) < 0.01  # the larger piece
    assert map_layers.label_point(None) is None


def test_area_features_carry_their_label_point(client, personas, small_city):
    body = _get(client, personas["city_leader"], "/api/v1/map/areas?level=street").json()
    from shapely.geometry import Point, shape

    for feature in body["features"]:
        assert shape(feature["geometry"]).contains(Point(feature["properties"]["label_at"]))


def test_components_show_faulty_or_intact_by_kind_and_are_scoped(client, personas, small_city):
    """The register on the map (部件图层): faulty (破损, 丢失) or intact, removed ones gone,
    a 部件 class narrows it, the user's area bounds it; zoomed out, counted cells."""
    from components import identifiers
    from components.models import Component, ComponentState
    from components.tests.test_register import _feature, _load

    alpha, beta = _grid(small_city), _grid(small_city, "beta1")
    make = identifiers.make
    _load([
        _feature(make("330203", "01003", 1), grid=alpha.code),
        _feature(make("330203", "01003", 2), grid=alpha.code, state="破损"),
        _feature(make("330203", "01003", 3), grid=alpha.code),
        _feature(make("330203", "01037", 1), grid=alpha.code, name="路灯"),
        _feature(make("330203", "01003", 4), grid=beta.code),
    ])  # fmt: skip
    Component.objects.filter(code=make("330203", "01003", 3)).update(state=ComponentState.REMOVED)
    url = f"/api/v1/map/components?bbox={CITY_BOX}&zoom=17"
    body = _get(client, personas["alpha_inspector"], url).json()
    # Alpha's inspector: Alpha's covers and lamp; the removed cover and Beta's are not shown.
    codes = sorted(p["code"] for p in body["points"])
    assert codes == sorted([make("330203", "01003", 1), make("330203", "01003", 2),
                            make("330203", "01037", 1)])  # fmt: skip
    assert {p["code"]: p["faulty"] for p in body["points"]}[make("330203", "01003", 2)] is True
    lamps = _get(client, personas["alpha_inspector"], url + "&category=01037").json()
    assert [p["code"] for p in lamps["points"]] == [make("330203", "01037", 1)]
    major = _get(client, personas["alpha_inspector"], url + "&category=01").json()
    assert len(major["points"]) == 3
    leader = _get(client, personas["city_leader"], url.replace("zoom=17", "zoom=10")).json()
    assert leader["mode"] == "cells" and _cells_total(leader) == 4
    assert sum(c["faulty"] for c in leader["cells"]) == 1


def test_areas_are_painted_as_the_latest_hour_ended_when_it_is_newer(client, personas, small_city):
    """The map shows the index "now" as the cockpit does: the latest computed hour (its 24
    hours) once it is newer than the latest day; the answer says which hour."""
    from signs.models import Level, SignNode, SignValue
    from signs.tree import active_tree

    tree = active_tree()
    root = SignNode.objects.get(tree=tree, level=Level.INDEX)
    day = NOW.date()
    common = dict(tree=tree, node=root, area_path=small_city.alpha.path, tier="street",
                  status="ok", explanation={})  # fmt: skip
    SignValue.objects.create(**common, day=day - timedelta(days=1), score=50.0, band="orange",
                             colour="orange")  # fmt: skip
    SignValue.objects.create(**common, day=day, hour=9, score=77.0, band="green", colour="green")
    body = _get(client, personas["city_leader"], "/api/v1/map/areas?level=street").json()
    index = {f["properties"]["code"]: f["properties"]["index"] for f in body["features"]}
    assert index["330203001"]["score"] == 77.0 and index["330203001"]["colour"] == "green"
    assert (body["day"], body["hour"]) == (day.isoformat(), 9)
    assert body["until"].startswith(f"{day.isoformat()}T10:00:00")
    SignValue.objects.create(**common, day=day, score=80.0, band="green", colour="green")
    body = _get(client, personas["city_leader"], "/api/v1/map/areas?level=street").json()
    assert (body["hour"], body["until"]) == (None, None)  # the day covers that hour: the day
    index = {f["properties"]["code"]: f["properties"]["index"] for f in body["features"]}
    assert index["330203001"]["score"] == 80.0
