"""The component register (部件普查): identifier rules, a survey loaded with a report per row and a
dry run, a later survey compared (new, changed, missing) before it is applied, the nearest
components of a report, and the register seen only within the user's area."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from areas.models import UnitGrid
from catalog.models import Category, CategoryKind
from components import identifiers, selectors, surveys
from components.models import Component

pytestmark = pytest.mark.django_db

EAST_GRID = "330203001001001"  # Alpha-1, district East 330203
WEST_GRID = "330205001001001"  # Gamma-1, district West 330205


@pytest.fixture
def cover(small_city) -> Category:
    return Category.objects.filter(kind=CategoryKind.COMPONENT, code="01003").first() or (
        Category.objects.filter(kind=CategoryKind.COMPONENT).order_by("code").first()
    )


def test_an_identifier_is_district_type_and_sequence():
    assert identifiers.make("330203", "01003", 7) == "33020301003000007"
    parts = identifiers.parse("33020301003000007")
    assert (parts.admin, parts.type, parts.sequence) == ("330203", "01003", 7)
    for bad in ("3302030100300000", "3302030100300000X", "33020301003000000"):
        with pytest.raises(identifiers.CodeError):
            identifiers.parse(bad)
    with pytest.raises(identifiers.CodeError, match="district 330205"):
        identifiers.check("33020301003000007", category_code="01003", grid_code=WEST_GRID)
    with pytest.raises(identifiers.CodeError, match="its category is 01004"):
        identifiers.check("33020301003000007", category_code="01004", grid_code=EAST_GRID)


def _feature(
    code: str, *, grid=EAST_GRID, state="完好", name="雨水井盖", lon=None, lat=None, **more
):
    g = UnitGrid.objects.filter(code=grid).first() or UnitGrid.objects.get(code=EAST_GRID)
    props = {"GLBJBSM": code, "GLBJMC": name, "ZGBMDM": "113302000000000001",
             "ZGBMMC": "宁波市住房和城乡建设局", "YHDWMC": "市政养护公司", "SZDYWGBSM": grid,
             "GLBJZT": state, "CSRQ": "20240301", "SJLY": "实测", **more}  # fmt: skip
    point = [lon if lon is not None else g.centroid_lon, lat if lat is not None else g.centroid_lat]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": point},
    }


def _load(features, **kwargs):
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return surveys.load(io.BytesIO(data), name="survey.geojson", **kwargs)


def test_a_survey_reports_every_bad_row_and_a_dry_run_writes_nothing(cover):
    code = lambda n, admin="330203": identifiers.make(admin, cover.code, n)  # noqa: E731
    features = [
        _feature(code(1)),
        _feature(code(2), state="破损"),
        _feature(code(3)[:-1]),  # 16 digits
        _feature(code(4, admin="330205")),  # says West, lies in East
        _feature(code(5), grid="999999999999999"),
        _feature(code(6), state="坏了"),
        _feature(code(7), ZGBMMC=""),
        _feature(code(8), CSRQ="2024-13-45"),
        _feature(code(1)),  # twice
        _feature(identifiers.make("330203", "99999", 1)),  # no such 部件 category
    ]
    dry = _load(features, dry_run=True)
    assert (dry.rows, len(dry.new), len(dry.refused)) == (10, 2, 8)
    assert Component.objects.count() == 0
    reasons = dict(dry.refused)
    assert "17 digits" in reasons["feature 3"]
    assert "district 330203" in reasons["feature 4"]
    assert "999999999999999" in reasons["feature 5"]
    assert "坏了" in reasons["feature 6"]
    assert "主管部门名称" in reasons["feature 7"]
    assert "2024-13-45" in reasons["feature 8"]
    assert "twice" in reasons["feature 9"]
    assert "99999" in reasons["feature 10"]
    applied = _load(features)
    assert applied.applied and Component.objects.count() == 2
    damaged = Component.objects.get(code=code(2))
    assert (damaged.state, damaged.grid.code, damaged.initial_date) == (
        "damaged",
        EAST_GRID,
        date(2024, 3, 1),
    )
    assert damaged.area_path.endswith("/") and damaged.history.count() == 1


def test_a_later_survey_is_compared_before_it_is_applied(cover, staff):
    code = lambda n: identifiers.make("330203", cover.code, n)  # noqa: E731
    _load([_feature(code(1)), _feature(code(2)), _feature(code(3))])
    later = [
        _feature(code(1)),
        _feature(code(2), state="丢失", name="雨水井盖(东)"),
        _feature(code(4)),
    ]
    seen = _load(later, dry_run=True)
    assert seen.new == [code(4)] and seen.unchanged == 1 and seen.missing == [code(3)]
    assert seen.changed[code(2)]["state"] == ["intact", "lost"]
    assert seen.changed[code(2)]["name"] == ["雨水井盖", "雨水井盖(东)"]
    kept = _load(later, survey="2026 re-survey", user=staff["admin"])
    assert Component.objects.get(code=code(3)).state == "intact"  # missing: listed, kept
    assert kept.removed == 0
    lost = Component.objects.get(code=code(2))
    change = lost.history.order_by("at", "pk").last()
    assert change.reference == "2026 re-survey" and change.by == staff["admin"]
    assert change.fields["state"] == ["intact", "lost"]
    removed = _load(later, apply_missing=True)
    assert removed.removed == 1 and Component.objects.get(code=code(3)).state == "removed"


def test_a_csv_survey_places_points_in_their_grid(cover, tmp_path):
    g = UnitGrid.objects.get(code=EAST_GRID)
    code = identifiers.make("330203", cover.code, 1)
    text = (
        "管理部件标识码,名称,主管部门代码,主管部门名称,部件状态,初始日期,经度,纬度\n"
        f"{code},井盖,113302000000000001,住建局,完好,2024-03-01,{g.centroid_lon},{g.centroid_lat}\n"
        f"{identifiers.make('330203', cover.code, 2)},井盖,113302000000000001,住建局,完好,20240301,1,1\n"
    )
    report = surveys.load(io.BytesIO(text.encode("utf-8-sig")), name="survey.csv")
    assert report.new == [code]
    [(line, reason)] = report.refused
    assert line == "line 3" and "no unit grid" in reason
    assert Component.objects.get().grid == g


def test_the_nearest_components_of_a_report(cover, small_city):
    g = UnitGrid.objects.get(code=EAST_GRID)
    lon, lat = g.centroid_lon, g.centroid_lat
    east = 0.0001  # ~9 m at this latitude
    _load([
        _feature(identifiers.make("330203", cover.code, 1), lon=lon + east, lat=lat),
        _feature(identifiers.make("330203", cover.code, 2), lon=lon + 3 * east, lat=lat),
        _feature(identifiers.make("330203", cover.code, 3), lon=lon + 9 * east, lat=lat),
        _feature(identifiers.make("330203", cover.code, 4), lon=lon + 2 * east, lat=lat, GLBJZT="移除"),
    ])  # fmt: skip
    found = selectors.nearest(
        Component.objects.all(), lon=lon, lat=lat, category_id=cover.pk, radius_m=50
    )
    assert [n.component.code[-1] for n in found] == ["1", "2"]  # removed and far ones left out
    assert 8 < found[0].metres < 11
    other = Category.objects.filter(kind=CategoryKind.COMPONENT).exclude(pk=cover.pk).first()
    assert selectors.nearest(Component.objects.all(), lon=lon, lat=lat, category_id=other.pk) == []


def test_the_register_and_its_api_show_only_the_users_area(cover, staff, client):
    east, west = (
        identifiers.make("330203", cover.code, 1),
        identifiers.make("330205", cover.code, 1),
    )
    _load([_feature(east), _feature(west, grid=WEST_GRID)])
    client.force_login(staff["alpha_inspector"])  # street Alpha, district East
    page = client.get(reverse("components:register"))
    assert [c.code for c in page.context["page"]] == [east]
    assert client.get(reverse("components:component", args=[west])).status_code == 404
    assert client.get(reverse("components:component", args=[east])).status_code == 200
    g = UnitGrid.objects.get(code=EAST_GRID)
    near = client.get(
        "/api/v1/components/nearby",
        {"lon": g.centroid_lon, "lat": g.centroid_lat, "category": cover.code},
    )
    assert near.status_code == 200 and [c["code"] for c in near.json()] == [east]
    assert client.get(f"/api/v1/components/{west}").status_code == 404
    detail = client.get(f"/api/v1/components/{east}").json()
    assert detail["history"][0]["source"] == "survey"
    bad = client.get("/api/v1/components/nearby", {"lon": 0, "lat": 0, "category": "99999"})
    assert bad.status_code == 422
    client.logout()
    assert client.get("/api/v1/components/nearby", {"lon": 0, "lat": 0}).status_code == 401


def test_a_departments_disposer_sees_what_the_department_maintains(cover, staff, client):
    """The maintainer's code names a CityOps department: it answers for the component (routing
    部件先属主 later), and its disposers see it; another department's component they do not."""
    ours = identifiers.make("330203", cover.code, 1)
    others = identifiers.make("330203", cover.code, 2)
    _load([_feature(ours, YHDWDM="CITY-ROADS"), _feature(others)])
    assert Component.objects.get(code=ours).department.code == "CITY-ROADS"
    assert Component.objects.get(code=others).department is None
    client.force_login(staff["roads_disposer"])
    page = client.get(reverse("components:register"))
    assert [c.code for c in page.context["page"]] == [ours]
    assert client.get(f"/api/v1/components/{others}").status_code == 404


def test_the_import_command_names_refused_rows_and_fails(cover, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "survey.geojson"
    good, bad = identifiers.make("330203", cover.code, 1), "123"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [_feature(good), _feature(bad)]}),
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 rows refused"):
        call_command("components_import", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "Dry run" in out.getvalue() and Component.objects.count() == 0
    with pytest.raises(CommandError, match="1 rows refused"):
        call_command("components_import", str(path), stdout=out, stderr=err)
    assert "feature 2" in err.getvalue() and "17 digits" in err.getvalue()
    assert Component.objects.filter(code=good).exists()  # the good rows are applied


def test_qr_labels_of_the_selection_print_as_a_pdf(cover, staff, client, settings):
    from pypdf import PdfReader

    from components import labels

    codes = [identifiers.make("330203", cover.code, n) for n in (1, 2, 3)]
    _load([_feature(code) for code in codes])
    client.force_login(staff["alpha_inspector"])
    response = client.get(reverse("components:labels"), {"q": codes[0][:16]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert codes[0][11:] in text and codes[1][11:] in text and codes[0][:11] in text
    assert "雨水井盖" in text
    settings.DEBUG = False
    labels.MAX_LABELS, before = 2, labels.MAX_LABELS
    try:
        assert client.get(reverse("components:labels")).status_code == 400
    finally:
        labels.MAX_LABELS = before


def test_a_refused_rows_component_is_not_missing_and_nothing_is_removed_then(cover):
    code = lambda n: identifiers.make("330203", cover.code, n)  # noqa: E731
    _load([_feature(code(1)), _feature(code(2)), _feature(code(3))])
    later = [_feature(code(1)), _feature(code(2), CSRQ="not a date")]  # 2 refused, 3 gone
    seen = _load(later, apply_missing=True)
    assert seen.missing == [code(3)] and len(seen.refused) == 1
    assert seen.removed == 0  # a survey with refused rows removes nothing
    assert Component.objects.get(code=code(3)).state == "intact"


def test_the_survey_page_checks_then_loads_and_names_every_refused_row(cover, staff, client):
    """普查导入 on a page: a dry run (the default) lists new rows and refused lines and writes
    nothing; loading stores the good rows only; only administrators may load."""
    good, bad = identifiers.make("330203", cover.code, 1), identifiers.make("330203", cover.code, 2)
    features = [_feature(good), _feature(bad, state="坏了")]
    upload = lambda: SimpleUploadedFile(  # noqa: E731
        "survey.geojson",
        json.dumps({"type": "FeatureCollection", "features": features}).encode(),
        content_type="application/geo+json",
    )
    client.force_login(staff["city_dispatcher"])
    assert client.get("/components/survey/").status_code == 302  # not an administrator
    assert client.post("/components/survey/", {"file": upload()}).status_code == 302
    assert not Component.objects.exists()
    client.force_login(staff["admin"])
    assert 'id="survey-link"' in client.get("/components/").content.decode()
    checked = client.post("/components/survey/", {"file": upload(), "dry_run": "1"})
    assert checked.status_code == 422
    page = checked.content.decode()
    assert checked.context["summary"]["new"] == 1 and checked.context["summary"]["refused"] == 1
    assert "坏了" in page and not Component.objects.exists()
    loaded = client.post("/components/survey/", {"file": upload(), "survey": "2026 普查"})
    assert loaded.context["report"].applied
    assert list(Component.objects.values_list("code", flat=True)) == [good]
    assert Component.objects.get().history.get().reference == "2026 普查"
    register = client.get("/components/")
    assert 'id="register-map"' in register.content.decode()
    assert [p["code"] for p in register.context["points"]] == [good]
    empty = client.post("/components/survey/", {})
    assert empty.status_code == 400 and empty.context["error"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_an_export_loads_back_unchanged(cover, staff, client, fmt):
    """The register exported (as the filters select it) in the survey's own format: the same
    file loaded again changes nothing (every row unchanged, nothing missing or refused)."""
    codes = [identifiers.make("330203", cover.code, n) for n in (1, 2, 3)]
    _load([_feature(codes[0]), _feature(codes[1], state="破损", QSDWMC="某物业公司"),
           _feature(codes[2], BZ="井圈松动, 待修")])  # fmt: skip
    client.force_login(staff["admin"])
    response = client.get("/components/", {"format": fmt, "category": cover.code})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    name = {"csv": "register.csv", "xlsx": "register.xlsx", "geojson": "register.geojson"}[fmt]
    report = surveys.load(io.BytesIO(data), name=name, dry_run=True)
    assert report.refused == [] and report.new == [] and report.changed == {}
    assert report.unchanged == 3 and report.missing == []
