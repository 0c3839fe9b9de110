"""The ranking bulletin (排名通报): the tables of the period, printable, and the same as xlsx."""

from __future__ import annotations

import io

import pytest
import time_machine

from evaluation.tests.test_regions import NOW, region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PAGE = "/en/evaluation/bulletin/"
WEEK = {"from": "2026-11-23", "to": "2026-11-29"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_bulletin_has_the_headline_the_rankings_and_the_categories(
    client,
    staff,
    region_week,  # noqa: F811
):
    client.force_login(staff["city_leader"])
    page = client.get(PAGE, WEEK)
    assert page.status_code == 200
    assert page.context["title"].startswith("Testcity")
    [(districts_label, districts), (streets_label, streets)] = page.context["regions"]
    assert [(r["name"], r["grade"]) for r in districts] == [("West", "A"), ("East", "C")]
    assert [r["name"] for r in streets] == ["Gamma", "Alpha"]
    [department] = page.context["departments"]
    assert department["department"].name == "City roads bureau"
    [(place, top)] = page.context["top"]
    assert place == "Testcity" and top[0][1] == 9  # every case of the week, one category
    html = page.content.decode()
    assert "9 cases filed" in html and "closing rate 80.00 %" in html
    assert 'id="print"' in html and "@page" not in html  # print rules live in bulletin.css


def test_a_whole_month_is_named_as_such(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    november = client.get(PAGE, {"from": "2026-11-01", "to": "2026-11-30"})
    assert november.context["title"].endswith("2026-11")
    default = client.get(PAGE)  # last month, seen on 24 November: October
    assert default.context["period"].first.isoformat() == "2026-10-01"


def test_the_xlsx_has_one_sheet_per_table_and_neutralises_formulas(
    client,
    staff,
    region_week,  # noqa: F811
    roads,
):
    from openpyxl import load_workbook

    roads.name = "=HYPERLINK(evil)"
    roads.save()
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, {**WEEK, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1:] == [
        "Districts",
        "Streets",
        "Departments",
        "Most filed categories 高发类别",
    ]
    districts = list(book["Districts"].values)
    assert districts[1][:5] == (1, None, "West", 100, "A")
    departments = list(book["Departments"].values)
    assert departments[1][2] == "'=HYPERLINK(evil)"  # text, not a formula


def test_a_district_sees_its_streets_and_communities_and_a_disposer_nothing(
    client,
    staff,
    region_week,  # noqa: F811
):
    client.force_login(staff["west_dispatcher"])
    page = client.get(PAGE, WEEK)
    assert [[r["name"] for r in rows] for _label, rows in page.context["regions"]] == [
        ["Gamma"],
        ["Gamma-1"],
    ]
    [(place, top)] = page.context["top"]  # the district's own most filed categories
    assert place == "West" and [n for _name, n in top] == [1]
    client.force_login(staff["roads_disposer"])
    assert client.get(PAGE).status_code == 302


def test_the_pdf_holds_the_same_tables_in_chinese(client, staff, region_week, roads):  # noqa: F811
    """ReportLab with its built-in CID font: the text read back from the PDF is the bulletin's,
    in the reader's language (zh-Hans here), and a name with XML characters cannot break it."""
    from pypdf import PdfReader

    roads.name = "道路 & <桥梁> 局"
    roads.save()
    client.force_login(staff["city_leader"])
    response = client.get("/evaluation/bulletin/", {**WEEK, "format": "pdf"})  # zh-Hans: default
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "bulletin-2026-11-23-2026-11-29.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Testcity" in text and "总体情况" in text and "高发类别" in text
    assert "West" in text and "Gamma" in text  # both tiers ranked
    assert "道路 & <桥梁> 局" in text  # the department, escaped for the layout, shown as named
    assert "结案率 80.00%" in text and "75.00 %" in text  # the headline and the East row
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Chinese in the built-in CID font; ReportLab's page setup names Helvetica (standard 14,
    # never embedded): no font file shipped or embedded.
    assert "/STSong-Light" in fonts and fonts <= {"/STSong-Light", "/Helvetica"}
    assert b"/FontFile" not in response.content
