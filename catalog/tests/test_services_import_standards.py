"""import_standards: filing standards from CSV/xlsx, all or nothing, every bad row named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from catalog import services
from catalog.models import FilingStandard
from catalog.standards_file import parse_limit, parse_unit
from catalog.tests.conftest import STANDARD_HEADER
from core.models import TimeUnit

pytestmark = pytest.mark.django_db

GOOD = "09006-91,event,09006,夜间占道经营,取缔,2,紧急工作时,1,2,4,城管执法,test"


@pytest.mark.parametrize(
    ("word", "unit"),
    [
        ("紧急工作时", TimeUnit.URGENT_HOUR),
        ("工作时", TimeUnit.WORK_HOUR),
        ("小时", TimeUnit.WORK_HOUR),
        ("个工作时", TimeUnit.WORK_HOUR),
        ("工作日", TimeUnit.WORK_DAY),
        ("天", TimeUnit.WORK_DAY),
        ("自然日", TimeUnit.NATURAL_DAY),
        ("紧急工作日", TimeUnit.NATURAL_DAY),
        ("work_day", TimeUnit.WORK_DAY),
        (" Urgent_Hour ", TimeUnit.URGENT_HOUR),
    ],
)
def test_unit_words_of_real_standards_are_understood(word, unit):
    assert parse_unit(word) == unit


@pytest.mark.parametrize(
    ("limit", "unit", "expected"),
    [
        ("2", "紧急工作时", (Decimal("2"), TimeUnit.URGENT_HOUR)),
        ("2紧急工作时", "", (Decimal("2"), TimeUnit.URGENT_HOUR)),
        ("4个工作时", "", (Decimal("4"), TimeUnit.WORK_HOUR)),
        ("5天", "工作日", (Decimal("5"), TimeUnit.WORK_DAY)),
        ("0.5", "工作日", (Decimal("0.5"), TimeUnit.WORK_DAY)),
        ("２", "工作日", (Decimal("2"), TimeUnit.WORK_DAY)),  # full-width digit
    ],
)
def test_limits_may_carry_their_unit(limit, unit, expected):
    assert parse_limit(limit, unit) == expected


def test_a_limit_and_unit_column_that_disagree_are_refused():
    with pytest.raises(ValueError, match="different units"):
        parse_limit("2紧急工作时", "工作日")


def test_good_rows_are_created_then_updated_by_code(standards_csv):
    result = services.import_standards(path=standards_csv(GOOD))
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    row = FilingStandard.objects.get(code="09006-91")
    assert row.category.code == "09006" and row.category.kind == "event"
    assert (row.time_limit, row.time_unit) == (Decimal("2"), TimeUnit.URGENT_HOUR)
    assert (row.limit_a, row.limit_b, row.limit_c) == (1, 2, 4)
    assert row.sort_order == 91

    again = services.import_standards(path=standards_csv(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = services.import_standards(path=standards_csv(GOOD.replace(",2,紧急", ",3,紧急")))
    assert (changed.created, changed.updated) == (0, 1)
    assert FilingStandard.objects.get(code="09006-91").time_limit == 3


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(standards_csv):
    count_before = FilingStandard.objects.count()
    path = standards_csv(
        GOOD,  # line 2: fine, but must not be written either
        "X-1,event,06999,a,b,1,工作日,,,,,",  # line 3: unknown category
        "X-2,event,06010,a,b,1,fortnight,,,,,",  # line 4: bad unit
        "X-3,event,06010,a,b,0,工作日,,,,,",  # line 5: non-positive limit
        "X-4,event,06010,a,b,-2,工作日,,,,,",  # line 6: negative limit
        "X-5,event,06010,,b,1,工作日,,,,,",  # line 7: no filing condition
        "X-6,thing,06010,a,b,1,工作日,,,,,",  # line 8: bad kind
        "X-7,event,06010,a,b,1,工作日,fast,,,,",  # line 9: bad class-A limit
        "09006-91,event,09006,a,b,1,工作日,,,,,",  # line 10: repeats line 2
        "X-9,event,06010,a,b,1.234,工作日,,,,,",  # line 11: 3 decimals
    )
    with pytest.raises(services.CatalogFileError) as caught:
        services.import_standards(path=path)
    reasons = {e.line: e.reason for e in caught.value.errors}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert reasons[3] == "unknown category event 06999"
    assert "unknown time unit 'fortnight'" in reasons[4]
    assert "must be positive" in reasons[5] and "must be positive" in reasons[6]
    assert reasons[7] == "filing_condition is empty"
    assert "unknown kind" in reasons[8]
    assert "limit_a 'fast' is not a number" in reasons[9]
    assert reasons[10] == "code 09006-91 repeats line 2"
    assert "more than 2 decimals" in reasons[11]
    assert "nothing was written" in caught.value.message
    assert FilingStandard.objects.count() == count_before
    assert not FilingStandard.objects.filter(code="09006-91").exists()


def test_a_code_of_another_category_is_refused(standards_csv):
    path = standards_csv("06010-01,event,06011,a,b,1,工作日,,,,,")
    with pytest.raises(services.CatalogFileError, match="already belongs to category event 06010"):
        services.import_standards(path=path)


def test_missing_columns_are_reported_on_line_1(write_file):
    path = write_file("s.csv", "code,kind\nA,event\n")
    with pytest.raises(services.CatalogFileError) as caught:
        services.import_standards(path=path)
    assert str(caught.value.errors[0]).startswith("line 1: missing column(s): category_code")


def test_xlsx_files_with_chinese_headers_and_units_are_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["编码", "类型", "小类代码", "立案条件", "结案条件", "处置时限", "时限单位", "A类"]
    )
    sheet.append(["06012-91", "事项", "06012", "道路不洁", "清扫", 2, "小时", 1])
    sheet.append(["01037-91", "部件", "01037", "单盏不亮", "修复", "2天", None, None])
    path = tmp_path / "standards.xlsx"
    book.save(path)
    result = services.import_standards(path=path)
    assert result.created == 2
    road = FilingStandard.objects.get(code="06012-91")
    assert (road.time_limit, road.time_unit, road.limit_a) == (2, TimeUnit.WORK_HOUR, 1)
    lamp = FilingStandard.objects.get(code="01037-91")
    assert (lamp.category.kind, lamp.time_unit) == ("component", TimeUnit.WORK_DAY)


def test_xlsx_errors_name_the_spreadsheet_row(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(STANDARD_HEADER.split(","))
    sheet.append(["A-1", "event", "06012", "x", "y", 1, "工作日"])
    sheet.append([None] * 3)  # blank rows are skipped, not errors
    sheet.append(["A-2", "event", "06012", "x", "y", 1, "fortnight"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(services.CatalogFileError) as caught:
        services.import_standards(path=path)
    assert [e.line for e in caught.value.errors] == [4]


def test_the_command_reports_all_errors_and_exits_with_command_error(standards_csv):
    path = standards_csv("X-1,event,06999,a,b,1,工作日,,,,,", "X-2,event,06010,a,b,0,天,,,,,")
    with pytest.raises(CommandError) as caught:
        call_command("import_standards", str(path))
    message = str(caught.value)
    assert "line 2: unknown category event 06999" in message
    assert "line 3: time_limit must be positive" in message


def test_the_command_dry_run_writes_nothing(standards_csv, capsys):
    call_command("import_standards", str(standards_csv(GOOD)), "--dry-run")
    assert "Dry run, nothing written. Standards: 1 in file" in capsys.readouterr().out
    assert not FilingStandard.objects.filter(code="09006-91").exists()


def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_standards", str(tmp_path / "nope.csv"))


def test_the_shipped_starter_set_reimports_unchanged(capsys):
    call_command("import_standards", str(services.STANDARDS_FILE))
    out = capsys.readouterr().out
    assert "created 0, updated 0" in out


def test_an_unquoted_comma_is_an_error_not_a_lost_cell(standards_csv):
    path = standards_csv("X-1,event,06010,暴露垃圾,清理,4,工作时,,,,环卫,来源A,来源B")
    with pytest.raises(services.CatalogFileError, match="line 2: more cells than header columns"):
        services.import_standards(path=path)


def test_a_gbk_csv_gets_an_encoding_hint(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((STANDARD_HEADER + "\nX-1,event,06010,暴露垃圾,清理,4,工作时\n").encode("gbk"))
    with pytest.raises(services.CatalogFileError, match="not UTF-8"):
        services.import_standards(path=path)


def test_a_broken_xlsx_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(services.CatalogFileError, match="cannot read the file"):
        services.import_standards(path=path)
