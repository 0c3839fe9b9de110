"""The golden small city: three streets (Alpha and Beta of district East, Gamma of West), two
weeks of cases (through the historical import, as a city's history arrives), noise sensors
with their readings and one alarm, and AQI figures pushed by the environment bureau. A small
tree of two goals over four leaves, computed on Friday 27, Saturday 28 and Sunday 29 November
2026, with every expected score and colour written out and derived here by hand.

Tree (equal weights everywhere): INDEX = mean(S 安全, M 满意); S = S1 = mean(NOISE, AQI);
M = M1 = mean(FILED, ACTIVE).

- FILED: 道路不洁 (06012) cases filed that day, piecewise 0 -> 100, 4 -> 0.
- ACTIVE: 主动发现率 over the 14 days ending that day (inspector reports / all), 0..100 %.
- NOISE: share of the area's noise sensors with an active LAeq alarm that day, 0 % -> 100,
  100 % -> 0; an area without a sensor has no value.
- AQI: the latest figure of the area (or the nearest area above), band table <= 50: 100,
  <= 100: 80, <= 150: 60, else 0; older than two days it is stale (no value).

Cases (all 06012, closed straight through on their day): Alpha 18 Nov: 2 inspector + 1 hotline,
27 Nov: 2 hotline; Beta 19 Nov: 2 inspector; Gamma 20 Nov: 1 inspector, 27 Nov: 2 inspector +
2 hotline. Sensors: Alpha two (one alarming 27 Nov 09:00-18:00), Beta one, Gamma none. AQI:
the city 80 and Gamma 120, at 10:00 on 27 Nov.

Friday 27 (the first day computed: colours show at once):

============  =====  ======  =====  =====  ====  ====  =======  ======
area          FILED  ACTIVE  NOISE  AQI    S     M     INDEX    colour
============  =====  ======  =====  =====  ====  ====  =======  ======
Alpha         2->50  40      50 %->50  80  65    45    55       orange
Beta          0->100 100     0 %->100  80  90    100   95       blue
Gamma         4->0   60      —      120->60  60  30    45       orange
city          6->0   58.33   33.33 %->66.67 80 73.3 29.2 51.25  orange
============  =====  ======  =====  =====  ====  ====  =======  ======

Saturday 28: nothing filed (FILED 100), the alarm is over (NOISE 100), AQI still fresh: Alpha
M 70, S 90, INDEX 80: green, but the colour stays orange until green comes twice
(hysteresis). Sunday 29: the AQI figures are stale (no value, the leaf says so); Alpha S 100,
INDEX 85: green again, now shown.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signs import feeds, scoring, services
from signs import tree as trees
from signs.models import SignValue, Status

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
CITY, EAST = "/330200/", "/330200/330203/"
ALPHA, BETA = f"{EAST}330203001/", f"{EAST}330203002/"
GAMMA = "/330200/330205/330205001/"
GRIDS = {"alpha": "330203001001001", "beta": "330203002001001", "gamma": "330205001001001"}


def _leaf(code, source, measure, normaliser, unit):
    return {
        "code": code, "name": code, "unit": unit, "source": source, "direction": "higher_better",
        "frequency": "day", "tiers": ["city", "district", "street"], "measure": measure,
        "normaliser": normaliser,
    }  # fmt: skip


TREE = {
    "version": "golden",
    "name": "golden small city",
    "goals": [
        {"code": "S", "name": "安全", "groups": [{"code": "S1", "name": "环境", "leaves": [
            _leaf("NOISE", "sensor", {"kind": "share_over", "quantity": "noise"},
                  {"kind": "piecewise", "points": [[0, 100], [100, 0]]}, "%"),
            _leaf("AQI", "feed", {"kind": "feed", "code": "aqi"},
                  {"kind": "band_table", "bands": [[50, 100], [100, 80], [150, 60], [500, 0]]},
                  "AQI"),
        ]}]},
        {"code": "M", "name": "满意", "groups": [{"code": "M1", "name": "诉求", "leaves": [
            _leaf("FILED", "platform", {"kind": "filed", "categories": ["06012"]},
                  {"kind": "piecewise", "points": [[0, 100], [4, 0]]}, "cases/d"),
            _leaf("ACTIVE", "platform", {"kind": "active_discovery_rate", "window_days": 14},
                  {"kind": "piecewise", "points": [[0, 0], [100, 100]]}, "%"),
        ]}]},
    ],
}  # fmt: skip

HEADER = (
    "工单编号 来源 状态 分类代码 立案标准 诉求内容 经度 纬度 处置部门代码 来电时间 立案时间 派遣时间 "
    "接收时间 处置时间 核查开始时间 核查通过时间 结案时间"
).split()


def _row(n: int, street: str, source: str, day: int, standard: str) -> list[str]:
    from areas.models import UnitGrid

    grid = UnitGrid.objects.get(code=GRIDS[street])
    start = datetime(2026, 11, day, 9, 0, tzinfo=SH)
    times = [start + timedelta(minutes=m) for m in (0, 5, 10, 15, 60, 65, 70, 75)]
    return [
        f"GOLD-{n:03d}", source, "closed", "06012", standard, "道路不洁", f"{grid.centroid_lon:.6f}",
        f"{grid.centroid_lat:.6f}", "CITY-ROADS", *(t.isoformat() for t in times),
    ]  # fmt: skip


@pytest.fixture
def golden(small_city, tmp_path: Path, staff):
    from areas.models import UnitGrid
    from cases.factories import FilingStandardFactory
    from catalog.models import Category, CategoryKind
    from hotline.services import import_file
    from iot import services as iot
    from iot.ingest.sql import ReadingRow, insert_readings
    from iot.models import Alarm, AlarmRule, DeviceType

    category = Category.objects.get(kind=CategoryKind.EVENT, code="06012")
    standard = FilingStandardFactory(category=category, code="06012-G")
    plan = [  # (street, source, day, how many)
        ("alpha", "inspector", 18, 2), ("alpha", "hotline_12345", 18, 1),
        ("alpha", "hotline_12345", 27, 2), ("beta", "inspector", 19, 2),
        ("gamma", "inspector", 20, 1), ("gamma", "inspector", 27, 2),
        ("gamma", "hotline_12345", 27, 2),
    ]  # fmt: skip
    rows, n = [], 0
    for street, source, day, count in plan:
        for _ in range(count):
            n += 1
            rows.append(_row(n, street, source, day, standard.code))
    path = tmp_path / "history.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    run = import_file(path=path, historical=True)
    assert (run.created, run.rejected, run.error) == (12, 0, ""), list(
        run.rejections.values_list("line", "reason")
    )
    from cases.models import Case
    from evaluation.facts import backfill

    backfill(Case.objects.all())  # the import's facts (evaluation_backfill), rolled up

    noise = DeviceType.objects.get(code="noise")
    devices = {}
    for code, street in (("NS-A1", "alpha"), ("NS-A2", "alpha"), ("NS-B1", "beta")):
        grid = UnitGrid.objects.get(code=GRIDS[street])
        devices[code], _ = iot.device_create(
            code=code, name=code, device_type=noise, lon=grid.centroid_lon,
            lat=grid.centroid_lat, token=f"{code}-token-abcdefghijklmnop",
        )  # fmt: skip
    # Two weeks of hourly noise readings (the loud evening of the 27th on NS-A1).
    first = datetime(2026, 11, 16, tzinfo=SH)
    readings = [
        ReadingRow(device_id=d.pk, metric="LAeq", ts=first + timedelta(hours=h),
                   value=72.0 if code == "NS-A1" and 11 * 24 + 9 <= h < 11 * 24 + 18 else 48.0,
                   value_str="", value_bool=None, unit="dB", received_at=first + timedelta(hours=h))
        for code, d in devices.items() for h in range(14 * 24)
    ]  # fmt: skip
    insert_readings(readings)
    rule = AlarmRule.objects.filter(device_type=noise, metric="LAeq").first()
    assert rule is not None, "the noise type's LAeq rule (iot device types)"
    loud = devices["NS-A1"]
    Alarm.objects.create(
        device=loud, rule=rule, severity=rule.severity, area_path=loud.area_path,
        started_at=datetime(2026, 11, 27, 9, tzinfo=SH),
        last_triggered_at=datetime(2026, 11, 27, 17, tzinfo=SH),
        cleared_at=datetime(2026, 11, 27, 18, tzinfo=SH), status="cleared",
    )  # fmt: skip

    trees.load(TREE, activate=True)
    at = datetime(2026, 11, 27, 10, tzinfo=SH)
    feeds.store(
        "aqi",
        [feeds.Record("330200", at, 80, "AQI", "env-city-1127"),
         feeds.Record("330205001", at, 120, "AQI", "env-gamma-1127")],
        user=staff["admin"], now=at + timedelta(minutes=1),
    )  # fmt: skip


def _v(code: str, path: str, day: int) -> SignValue:
    return SignValue.objects.get(node__code=code, area_path=path, day=date(2026, 11, day))


def test_the_golden_city_on_friday(golden):
    services.compute_day(date(2026, 11, 27))
    expected = {  # path: FILED, ACTIVE, NOISE, AQI, S, M, INDEX, colour
        ALPHA: (50, 40, 50, 80, 65, 45, 55, scoring.ORANGE),
        BETA: (100, 100, 100, 80, 90, 100, 95, scoring.BLUE),
        GAMMA: (0, 60, None, 60, 60, 30, 45, scoring.ORANGE),
        # Rates are kept to two decimals (evaluation.definitions): 7/12 -> 58.33 %.
        CITY: (0, 58.33, 66.67, 80, 73.335, 29.165, 51.25, scoring.ORANGE),
    }
    for path, (*scores, colour) in expected.items():
        got = [
            _v(code, path, 27).score
            for code in ("FILED", "ACTIVE", "NOISE", "AQI", "S", "M", "INDEX")
        ]
        assert got == [pytest.approx(s) if s is not None else None for s in scores], path
        index = _v("INDEX", path, 27)
        assert (index.band, index.colour) == (colour, colour), path  # a first colour shows
    assert _v("FILED", GAMMA, 27).raw == 4 and _v("ACTIVE", CITY, 27).raw == 58.33
    assert _v("NOISE", GAMMA, 27).explanation["note"] == "no_sensor"
    assert _v("AQI", ALPHA, 27).raw == 80  # the city's figure: the nearest area above
    # Every stored score comes back from its explanation.
    for value in SignValue.objects.filter(day=date(2026, 11, 27)):
        assert services.recompute(value.explanation) == pytest.approx(value.score), value


def test_the_golden_city_over_the_weekend_with_hysteresis_and_a_stale_feed(golden):
    for day in (27, 28, 29):
        services.compute_day(date(2026, 11, day))
    saturday = _v("INDEX", ALPHA, 28)
    assert saturday.score == pytest.approx(80)
    assert (saturday.band, saturday.colour) == (scoring.GREEN, scoring.ORANGE)  # once: waits
    assert _v("NOISE", ALPHA, 28).score == 100  # the alarm is over
    sunday = _v("INDEX", ALPHA, 29)
    assert sunday.score == pytest.approx(85)
    assert (sunday.band, sunday.colour) == (scoring.GREEN, scoring.GREEN)  # twice: shown
    aqi = _v("AQI", ALPHA, 29)
    assert (aqi.status, aqi.score) == (Status.NO_DATA, None)
    assert aqi.explanation["note"] == "stale"
    assert _v("S", ALPHA, 29).score == 100  # AQI missing: half the weight, still a score


def test_a_leaf_that_allows_the_grid_tier_is_computed_for_every_grid(golden):
    """单元网格 as a tier: a tree whose FILED leaf allows grids computes it for each grid; the
    grid's parents roll up over what the grid has (ACTIVE is not a grid leaf: half the group's
    weight missing, still a score; S has no grid leaf: the index takes M alone)."""
    import copy

    tree = copy.deepcopy(TREE)
    tree["version"] = "golden-grid"
    filed = tree["goals"][1]["groups"][0]["leaves"][0]
    filed["tiers"] = [*filed["tiers"], "grid"]
    trees.load(tree, activate=True)
    services.compute_day(date(2026, 11, 27))
    alpha_grid = "/330200/330203/330203001/330203001001/330203001001001/"
    gamma_grid = "/330200/330205/330205001/330205001001/330205001001001/"
    quiet_grid = "/330200/330203/330203001/330203001001/330203001001002/"
    assert (_v("FILED", alpha_grid, 27).raw, _v("FILED", alpha_grid, 27).score) == (2, 50)
    assert _v("FILED", gamma_grid, 27).score == 0 and _v("FILED", quiet_grid, 27).score == 100
    assert _v("FILED", alpha_grid, 27).tier == "grid"
    assert _v("M", alpha_grid, 27).score == 50 and _v("INDEX", alpha_grid, 27).score == 50
    assert not SignValue.objects.filter(node__code="ACTIVE", tier="grid").exists()
    # A tree without grid leaves computes no grid rows at all.
    trees.load({**TREE, "version": "golden-again"}, activate=True)
    services.compute_day(date(2026, 11, 28))
    assert not SignValue.objects.filter(day=date(2026, 11, 28), tier="grid").exists()


def test_a_grid_value_opens_its_explanation_with_the_grid_named(golden, staff, client):
    import copy

    tree = copy.deepcopy(TREE)
    tree["version"] = "golden-grid-page"
    tree["goals"][1]["groups"][0]["leaves"][0]["tiers"].append("grid")
    trees.load(tree, activate=True)
    services.compute_day(date(2026, 11, 27))
    value = _v("FILED", "/330200/330203/330203001/330203001001/330203001001001/", 27)
    client.force_login(staff["city_leader"])
    page = client.get(f"/en/signs/values/{value.pk}/")
    assert page.status_code == 200 and "330203001001001" in page.content.decode()
    assert page.context["area_name"].endswith("330203001001001")
    client.force_login(staff["gamma_inspector"])  # another district: as if missing
    assert client.get(f"/en/signs/values/{value.pk}/").status_code == 404
