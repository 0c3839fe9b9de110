"""Device registry: import from CSV / GeoJSON (all or nothing), tokens, seeded types."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from core.errors import ValidationFailed
from iot import services
from iot.models import AlarmRule, Device, DeviceType

pytestmark = pytest.mark.django_db

CSV = """code,name,type,lon,lat,address,department,category
BIN-0001,Bin by Alpha market,waste_bin,121.505,29.865,Alpha market,,
MH-0100,Manhole 100,manhole_cover,121.515,29.855,,,component:01003
NOISE-1,Noise at Beta school,noise,,,,,
"""


def test_the_seeded_types_carry_units_and_default_rules():
    assert set(DeviceType.objects.values_list("code", flat=True)) >= {
        "manhole_cover",
        "waste_bin",
        "noise",
        "cooking_fume",
        "gas_pressure",
        "road_subsidence",
        "water_level",
    }
    bin_type = DeviceType.objects.get(code="waste_bin")
    assert bin_type.metric_units()["fill_level"] == "/"  # SenML ratio 0..1
    full = AlarmRule.objects.get(device_type=bin_type, key="full")
    assert (full.operator, full.threshold, full.clear_threshold) == ("gt", 0.9, 0.5)
    assert full.open_case and full.category.name == "垃圾站（箱）满溢"
    assert AlarmRule.objects.filter(kind="offline").count() == DeviceType.objects.count()


def test_a_csv_registers_devices_in_their_grids_with_fresh_tokens(small_city):
    report = services.device_import(rows=services.read_rows(CSV.encode(), fmt="csv"))
    assert [code for code, _ in report.created] == ["BIN-0001", "MH-0100", "NOISE-1"]
    bin_ = Device.objects.get(code="BIN-0001")
    assert bin_.grid.code == "330203001001001" and bin_.area_path == bin_.grid.path
    assert Device.objects.get(code="MH-0100").category.code == "01003"
    assert Device.objects.get(code="NOISE-1").grid is None
    token = dict(report.created)["BIN-0001"]
    assert services.device_authenticate(token) == bin_
    assert token not in bin_.token_digest and bin_.token_prefix == token[:8]


def test_a_second_import_updates_and_keeps_tokens(small_city):
    first = services.device_import(rows=services.read_rows(CSV.encode(), fmt="csv"))
    moved = CSV.replace("121.505,29.865", "121.525,29.865")
    second = services.device_import(rows=services.read_rows(moved.encode(), fmt="csv"))
    assert second.created == [] and second.updated == ["BIN-0001", "MH-0100", "NOISE-1"]
    bin_ = Device.objects.get(code="BIN-0001")
    assert bin_.grid.code == "330203001002001"  # Alpha-2
    assert services.device_authenticate(dict(first.created)["BIN-0001"]) == bin_


def test_every_wrong_line_is_named_and_nothing_is_written(small_city):
    bad = (
        "code,type,lon,lat,department,category\n"
        "OK-1,noise,121.5,29.85,,\n"
        "bad id,noise,,,,\n"
        "X-2,toaster,,,,\n"
        "X-3,noise,abc,29.8,,\n"
        "X-4,noise,,,NOPE,\n"
        "X-5,noise,,,,event:99999\n"
        "OK-1,noise,,,,\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.device_import(rows=services.read_rows(bad, fmt="csv"))
    errors = exc.value.details["errors"]
    assert [e.split(":")[0] for e in errors] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
    ]
    assert "unknown device type 'toaster'" in errors[1]
    assert "must both be numbers" in errors[2]
    assert "unknown department 'NOPE'" in errors[3]
    assert "appears twice" in errors[5]
    assert not Device.objects.exists()


def test_geojson_points_are_imported(small_city):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [121.505, 29.865]},
                "properties": {"code": "WL-1", "type": "water_level", "name": "Underpass"},
            }
        ],
    }
    report = services.device_import(rows=services.read_rows(json.dumps(data), fmt="geojson"))
    assert report.created[0][0] == "WL-1"
    assert Device.objects.get(code="WL-1").grid.code == "330203001001001"
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    data["features"][0]["geometry"] = line
    with pytest.raises(ValidationFailed, match="feature 1: the geometry must be a Point"):
        services.read_rows(json.dumps(data), fmt="geojson")


def test_the_command_writes_new_tokens_to_a_private_file(small_city, tmp_path):
    source = tmp_path / "devices.csv"
    source.write_text(CSV)
    tokens = tmp_path / "tokens.csv"
    call_command("import_devices", str(source), tokens_out=str(tokens))
    lines = tokens.read_text().splitlines()
    assert lines[0] == "code,token" and len(lines) == 4
    assert oct(tokens.stat().st_mode & 0o777) == "0o600"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,type\nX,toaster\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_devices", str(bad))


def test_tokens_rotate_and_must_be_unique(small_city):
    noise = DeviceType.objects.get(code="noise")
    device, token = services.device_create(code="N-1", device_type=noise)
    new = services.device_rotate_token(device=device)
    assert services.device_authenticate(token) is None
    assert services.device_authenticate(new) == device
    with pytest.raises(ValidationFailed, match="another device"):
        services.device_create(code="N-2", device_type=noise, token=new)
    with pytest.raises(ValidationFailed, match="at least 16"):
        services.device_rotate_token(device=device, token="short")


def test_load_device_types_is_idempotent_and_keeps_edits():
    rule = AlarmRule.objects.get(device_type__code="noise", key="loud")
    AlarmRule.objects.filter(pk=rule.pk).update(threshold=55)
    call_command("load_device_types")
    rule.refresh_from_db()
    assert rule.threshold == 55
    call_command("load_device_types", reset=True)
    rule.refresh_from_db()
    assert rule.threshold == 70
