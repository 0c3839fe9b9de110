"""Live import: each row of a hotline export is one report through intake.receive_report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case
from cases.states import CaseStatus, Priority, SourceChannel
from hotline import services
from hotline.models import ImportProfile, ImportRejection, RunStatus
from hotline.tests.conftest import LIVE_HEADER, T0, fmt, live_row, write_csv, write_xlsx
from intake.models import IntakeReport, Outcome

pytestmark = pytest.mark.django_db

GOOD_ROWS = 198


def one_percent_bad() -> list[list]:
    """200 rows; line 51 has no description, line 151 a point outside every grid."""
    rows = [live_row(i) for i in range(200)]
    rows[49] = live_row(49, 诉求内容="")
    rows[149] = live_row(149, 经度="120.000000", 纬度="30.000000")
    return rows


def test_a_file_with_1_percent_bad_rows_loads_the_good_ones_and_reports_every_bad_one(
    city, tmp_path
):
    path = write_csv(tmp_path / "12345.csv", LIVE_HEADER, one_percent_bad())

    run = services.import_file(path=path)

    assert run.status == RunStatus.DONE
    assert (run.rows, run.created, run.rejected, run.skipped) == (200, GOOD_ROWS, 2, 0)
    assert Case.objects.filter(source=SourceChannel.HOTLINE_12345).count() == GOOD_ROWS
    rejected = list(ImportRejection.objects.filter(run=run).order_by("line"))
    assert [(r.line, r.external_id) for r in rejected] == [
        (51, "12345-00049"),
        (151, "12345-00149"),
    ]
    assert "诉求内容 is empty" in rejected[0].reason
    assert "outside every unit grid" in rejected[1].reason
    assert rejected[1].values["经度"] == "120.000000"  # the row as read, to fix and re-import


def test_re_running_the_same_file_adds_nothing(city, tmp_path):
    path = write_csv(tmp_path / "12345.csv", LIVE_HEADER, one_percent_bad())
    services.import_file(path=path)
    cases, reports = Case.objects.count(), IntakeReport.objects.count()

    again = services.import_file(path=path)

    assert (again.created, again.duplicates, again.skipped, again.rejected) == (0, 0, GOOD_ROWS, 2)
    assert (Case.objects.count(), IntakeReport.objects.count()) == (cases, reports)


def test_rows_become_reports_with_the_ticket_number_call_time_and_mapped_values(city, tmp_path):
    rows = [
        live_row(0, 来电类型="110非警务", 紧急程度="紧急"),
        live_row(1, 来电类型="81890"),
    ]
    run = services.import_file(path=write_csv(tmp_path / "mixed.csv", LIVE_HEADER, rows))

    assert run.created == 2
    police = IntakeReport.objects.get(external_id="12345-00000")
    assert police.source == SourceChannel.HOTLINE_110
    assert police.case.priority == Priority.URGENT
    assert police.case.status == CaseStatus.VERIFYING  # hotline reports are verified on site
    assert police.received_at == T0
    assert police.payload["data"] == {"import_run": run.pk, "line": 2}
    assert IntakeReport.objects.get(external_id="12345-00001").source == SourceChannel.HOTLINE_12345


def test_a_second_call_about_the_same_problem_is_attached_as_a_duplicate(city, tmp_path, manhole):
    first = live_row(0, 诉求内容="Manhole cover missing")
    second = live_row(1, 诉求内容="Manhole cover gone", 来电时间=fmt(T0 + timedelta(minutes=5)))
    second[LIVE_HEADER.index("经度")] = first[LIVE_HEADER.index("经度")]
    second[LIVE_HEADER.index("纬度")] = first[LIVE_HEADER.index("纬度")]
    header = [*LIVE_HEADER, "分类代码"]
    rows = [[*first, "01001"], [*second, "01001"]]

    run = services.import_file(path=write_csv(tmp_path / "dup.csv", header, rows))

    assert (run.created, run.duplicates) == (1, 1)
    dup = IntakeReport.objects.get(external_id="12345-00001")
    assert dup.outcome == Outcome.DUPLICATE
    assert dup.duplicate_of.category == manhole


def test_a_dry_run_writes_no_case_but_reports_what_would_happen(city, tmp_path):
    path = write_csv(tmp_path / "12345.csv", LIVE_HEADER, one_percent_bad())

    run = services.import_file(path=path, dry_run=True)

    assert (run.dry_run, run.created, run.rejected) == (True, GOOD_ROWS, 2)
    assert Case.objects.count() == 0 and IntakeReport.objects.count() == 0
    assert run.rejections.count() == 2
    assert services.summary(run).startswith("Dry run, nothing written.")


def test_a_saved_profile_maps_other_headers_values_and_date_formats(city, tmp_path):
    profile = ImportProfile.objects.create(
        name="81890 export",
        columns={
            "external_id": "单号",
            "description": "内容",
            "reported_at": "时间",
            "lon": "X",
            "lat": "Y",
            "priority": "级别",
        },
        value_maps={"priority": {"A": "urgent", "B": "normal"}},
        date_formats=["%d.%m.%Y %H:%M"],
    )
    header = ["单号", "内容", "时间", "X", "Y", "级别"]
    rows = [["8-1", "Broken bench", "23.11.2026 08:30", "121.505", "29.865", "A"]]

    run = services.import_file(
        path=write_csv(tmp_path / "81890.csv", header, rows), profile=profile
    )

    assert run.created == 1, list(run.rejections.values_list("reason", flat=True))
    case = Case.objects.get(source_ref="8-1")
    assert case.priority == Priority.URGENT
    assert case.reported_at == T0 - timedelta(minutes=30)


def test_an_unknown_value_is_rejected_naming_the_column_and_value(city, tmp_path):
    rows = [live_row(0, 紧急程度="特急")]

    run = services.import_file(path=write_csv(tmp_path / "p.csv", LIVE_HEADER, rows))

    assert run.rejected == 1
    assert "紧急程度: '特急' is not one of normal, urgent" in run.rejections.get().reason


def test_xlsx_and_gb18030_csv_read_the_same(city, tmp_path):
    rows = [live_row(i) for i in range(3)]
    xlsx = services.import_file(path=write_xlsx(tmp_path / "a.xlsx", LIVE_HEADER, rows))
    gbk = services.import_file(
        path=write_csv(tmp_path / "b.csv", LIVE_HEADER, rows, encoding="gb18030")
    )

    assert (xlsx.created, xlsx.rejected) == (3, 0)
    assert (gbk.created, gbk.skipped, gbk.rejected) == (0, 3, 0)


def test_a_file_without_a_required_column_fails_with_the_columns_it_has(city, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["工单编号", "备注"], [["1", "x"]])

    run = services.import_file(path=path)

    assert run.status == RunStatus.FAILED
    assert "no column for description (description / 诉求内容" in run.error
    assert "Its columns are: 工单编号, 备注" in run.error


def test_a_line_that_is_not_valid_text_is_rejected_and_the_rest_imported(city, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", LIVE_HEADER, [live_row(i) for i in range(3)])
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Street", b"\xff\xfe")  # the second data row
    path.write_bytes(b"\n".join(lines))

    run = services.import_file(path=path)

    assert (run.created, run.rejected) == (2, 1)
    assert run.rejections.get().line == 3
    assert run.rejections.get().reason == "The line is not valid utf-8 text."


def test_a_text_longer_than_the_platform_keeps_is_cut_and_noted_with_its_full_value(city, tmp_path):
    long_text = "路灯不亮，" * 900  # 4,500 characters, over DESCRIPTION_MAX (4,000)
    long_address = "阿尔法路" * 60  # 240 characters, over 200
    rows = [live_row(0, 诉求内容=long_text, 地址=long_address), live_row(1)]
    run = services.import_file(path=write_csv(tmp_path / "long.csv", LIVE_HEADER, rows))

    assert (run.created, run.rejected, run.cut) == (2, 0, 1)
    case = IntakeReport.objects.get(external_id="12345-00000").case
    assert len(case.description) == 4000 and len(case.address) == 200
    (note,) = run.notes.all()
    assert (note.line, note.external_id) == (2, "12345-00000")
    assert note.fields["description"] == {"length": 4500, "kept": 4000, "full": long_text}
    assert note.fields["address"]["full"] == long_address
    assert "1 rows went in with a text cut" in services.summary(run)
    # Importing the file again cuts nothing new: the repeated row is not noted twice.
    again = services.import_file(path=write_csv(tmp_path / "long.csv", LIVE_HEADER, rows))
    assert (again.skipped, again.cut) == (2, 0)
