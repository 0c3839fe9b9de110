"""Lists as files (core.exports) and the lists that offer them: workbench, devices, alarms,
vehicles, evaluation tables. Each xlsx is opened with openpyxl, as a spreadsheet would."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from cases.factories import CaseFactory
from cases.states import CaseStatus, SourceChannel
from core import exports


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    body = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(body), read_only=True)
    try:
        return [list(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


def _csv(response):
    assert response.status_code == 200
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    "value, shown",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("井盖缺失", "井盖缺失"),
        (None, ""),
        (42, 42),
    ],
)
def test_a_cell_never_runs_as_a_formula(value, shown):
    assert exports.spreadsheet_cell(value) == shown


def test_times_are_local_and_naive_for_a_spreadsheet(settings):
    at = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    assert exports.spreadsheet_cell(at) == datetime(2026, 11, 18, 10, 0)  # Asia/Shanghai


def test_an_unknown_format_is_a_400_naming_the_formats(rf):
    response = exports.export_response("pdf", "x", ["a"], [[1]])
    assert response.status_code == 400 and b"csv, xlsx" in response.content


def test_a_list_too_long_for_a_worksheet_is_refused(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    response = exports.export_response("xlsx", "x", ["a"], ([i] for i in range(3)))
    assert response.status_code == 400 and b"CSV" in response.content


# --- the lists -------------------------------------------------------------------------------


def _grid(small_city, community="alpha1"):
    from areas.models import UnitGrid

    return UnitGrid.objects.filter(community=small_city.communities[community]).order_by("code")[0]


def test_the_workbench_exports_its_queue_with_its_filter(client, personas, small_city):
    grid = _grid(small_city)
    hot = CaseFactory(
        grid=grid,
        source=SourceChannel.HOTLINE_12345,
        description="=1+1 井盖",
        address="阿尔法路1号",
    )
    CaseFactory(grid=grid, source=SourceChannel.CITIZEN)
    CaseFactory(grid=_grid(small_city, "beta1"), source=SourceChannel.HOTLINE_12345)
    client.force_login(personas["beta_operator"])  # sees Beta only
    rows = _sheet(client.get("/en/cases/?queue=all&source=hotline_12345&format=xlsx"))
    assert len(rows) == 2  # the header and Beta's hotline case
    client.force_login(personas["city_leader"])
    rows = _sheet(client.get("/en/cases/?queue=all&source=hotline_12345&format=xlsx"))
    header, *body = rows
    assert header[0] == "Case number 案件编号" and "Reported at 上报时间" in header
    numbers = {r[0] for r in body}
    assert hot.number in numbers and len(body) == 2
    (row,) = [r for r in body if r[0] == hot.number]
    assert row[header.index("Description 问题描述")] == "'=1+1 井盖"
    reported = row[header.index("Reported at 上报时间")]
    assert isinstance(reported, datetime) and reported.tzinfo is None
    response = client.get("/en/cases/?queue=all&source=hotline_12345&format=csv")
    assert response["X-Export-Rows"] == "2"  # for the page's progress line
    csv_rows = _csv(response)
    assert {r[0] for r in csv_rows[1:]} == numbers


def test_the_workbench_export_in_chinese_has_chinese_headers(personas, small_city):
    from django.test import Client

    CaseFactory(grid=_grid(small_city))
    zh = Client()
    zh.force_login(personas["city_leader"])
    header = _sheet(zh.get("/cases/?queue=all&format=xlsx"))[0]
    assert header[0] == "案件编号" and "上报时间" in header


def test_reported_from_narrows_the_workbench(client, personas, small_city):
    grid = _grid(small_city)
    new = CaseFactory(grid=grid)
    old = CaseFactory(grid=grid, reported_at=datetime.now(UTC) - timedelta(days=3))
    client.force_login(personas["city_leader"])
    today = datetime.now(UTC).astimezone().date()
    from django.utils import timezone

    today = timezone.localdate()
    numbers = {
        r[0] for r in _csv(client.get(f"/en/cases/?queue=all&reported_from={today}&format=csv"))[1:]
    }
    assert new.number in numbers and old.number not in numbers


def test_devices_alarms_and_vehicles_export(client, personas, small_city):
    from iot import services
    from iot.models import DeviceType
    from iot.tracking import services as tracking
    from iot.tracking.models import VehicleKind

    grid = _grid(small_city)
    services.device_create(
        code="MH-1", name="+cmd", device_type=DeviceType.objects.get(code="manhole_cover"),
        lon=grid.centroid_lon, lat=grid.centroid_lat, token="mh-1-token-abcdefghijklmnop",
    )  # fmt: skip
    tracking.vehicle_create(
        plate="浙B-S0001", kind=VehicleKind.SANITATION, company="Alpha Sanitation",
        area=small_city.alpha, token="sweeper-token-0001-abcdefgh",
    )  # fmt: skip
    client.force_login(personas["city_leader"])
    devices = _sheet(client.get("/en/iot/devices/?format=xlsx"))
    assert devices[1][0] == "MH-1" and devices[1][1] == "'+cmd"
    from iot.models import Alarm, AlarmRule, Device

    device = Device.objects.get(code="MH-1")
    rule = AlarmRule.objects.filter(device_type=device.device_type).first()
    Alarm.objects.create(device=device, rule=rule, severity=rule.severity,
                         started_at=datetime.now(UTC), last_triggered_at=datetime.now(UTC),
                         trigger_value=-3.5, area_path=device.area_path)  # fmt: skip
    alarms = _sheet(client.get("/en/iot/alarms/?format=xlsx"))
    assert alarms[1][1] == "MH-1" and alarms[1][4] == rule.name and -3.5 in alarms[1]
    vehicles = _sheet(client.get("/en/iot/vehicles/?format=xlsx"))
    assert vehicles[1][0] == "浙B-S0001"
    assert client.get("/en/iot/devices/?format=pdf").status_code == 400
    # A task queue lists tasks, not cases: refused rather than a file of other rows.
    assert client.get("/en/cases/?queue=extensions&format=csv").status_code == 400


def test_list_pages_offer_both_downloads(client, personas, small_city):
    CaseFactory(grid=_grid(small_city), status=CaseStatus.FILED)
    client.force_login(personas["city_leader"])
    for url in ("/en/cases/?queue=all", "/en/iot/devices/", "/en/iot/alarms/", "/en/iot/vehicles/"):
        html = client.get(url).content.decode()
        assert 'data-format="xlsx"' in html and 'data-format="csv"' in html, url
    html = client.get("/en/cases/?queue=all&source=citizen").content.decode()
    assert "queue=all&amp;source=citizen&amp;format=xlsx" in html
