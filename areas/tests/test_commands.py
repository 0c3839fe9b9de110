"""manage.py import_areas / export_areas."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from areas.models import UnitGrid
from areas.tests.samples import BOWTIE, city_file, collection

pytestmark = pytest.mark.django_db


def write(tmp_path, features) -> str:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(collection(features)), encoding="utf-8")
    return str(path)


def test_import_reports_what_it_did(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("import_areas", write(tmp_path, city_file()), stdout=out, stderr=err)
    assert "created 1 city, 1 district, 1 street, 2 community, 8 grid" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar
    assert UnitGrid.objects.count() == 8


def test_import_failure_names_the_feature_and_writes_nothing(tmp_path):
    features = city_file()
    features[6]["geometry"] = BOWTIE
    err = StringIO()
    with pytest.raises(
        CommandError, match=r"first: feature #7 \(330203001001002\): polygon is not valid"
    ):
        call_command("import_areas", write(tmp_path, features), "--no-progress", stderr=err)
    assert "Self-intersection" in err.getvalue()
    assert UnitGrid.objects.count() == 0


def test_import_dry_run(tmp_path):
    out = StringIO()
    call_command(
        "import_areas", write(tmp_path, city_file()), "--dry-run", "--no-progress", stdout=out
    )
    assert out.getvalue().startswith("Dry run, nothing written: would create")
    assert UnitGrid.objects.count() == 0


def test_import_warnings_go_to_stderr(tmp_path):
    features = city_file()
    features[5]["geometry"], features[6]["geometry"] = (
        features[6]["geometry"],
        features[5]["geometry"],
    )
    err = StringIO()
    call_command(
        "import_areas", write(tmp_path, features), "--no-progress", stdout=StringIO(), stderr=err
    )
    assert "warning: community 330203001001: grid codes do not run west-to-east" in err.getvalue()


def test_export_to_a_file_round_trips(tmp_path, small_city):
    target = tmp_path / "out.geojson"
    call_command("export_areas", "-o", str(target), "--level", "grid", stderr=StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["features"]) == 16
    out = StringIO()
    call_command("import_areas", str(target), "--no-progress", stdout=out, stderr=StringIO())
    assert "unchanged 16 grid" in out.getvalue()


def test_export_unknown_area_is_a_command_error(small_city):
    with pytest.raises(CommandError, match="No area with code 999"):
        call_command("export_areas", "--area", "999", stdout=StringIO())
