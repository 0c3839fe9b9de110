"""Reading exports: encodings, delimiters, xlsx cells, and line numbers as a spreadsheet shows them."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from core.errors import ValidationFailed
from hotline.readers import detect_encoding, open_table

HEADER = "工单编号,诉求内容\n"


def table_of(data: bytes, name: str = "f.csv"):
    return open_table(io.BytesIO(data), name=name)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings_are_detected_and_read(encoding, detected):
    table = table_of((HEADER + "A1,井盖缺失\n").encode(encoding))

    assert table.encoding == detected
    assert table.header == ["工单编号", "诉求内容"]
    assert list(table.rows) == [(2, ["A1", "井盖缺失"])]


def test_a_sample_cut_inside_a_character_is_still_utf_8():
    assert detect_encoding("井".encode()[:2]) == "utf-8"


def test_a_line_that_is_not_text_is_flagged_and_the_others_read():
    data = (HEADER + "A1,井盖缺失\n").encode() + b"A2,\xff\xfe bad\nA3,fine\n"

    table = table_of(data)
    rows = list(table.rows)

    assert table.encoding == "utf-8"
    assert [line for line, _ in rows] == [2, 3, 4]
    assert rows[0][1] == ["A1", "井盖缺失"]
    assert table.bad_lines == {3}


def test_line_numbers_count_quoted_multi_line_records_and_skip_blank_lines():
    data = (HEADER + 'A1,"two\nlines"\n,\nA2,next\n').encode()

    rows = list(table_of(data).rows)

    assert rows == [(2, ["A1", "two\nlines"]), (5, ["A2", "next"])]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_tab_and_semicolon_files_are_recognised(sep):
    data = f"工单编号{sep}诉求内容\nA1{sep}x, y\n".encode()

    assert list(table_of(data).rows) == [(2, ["A1", "x, y"])]


def test_xlsx_cells_keep_dates_and_print_whole_numbers_as_integers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "经度"])
    sheet.append([20251101000123, datetime(2025, 11, 1, 9, 30), 121.505])
    sheet.append([None, None, None])
    sheet.append(["A3", "2025-11-02 10:00", 121])
    path = tmp_path / "x.xlsx"
    book.save(path)

    with open(path, "rb") as f:
        table = open_table(f, name="x.xlsx")
        rows = list(table.rows)

    assert table.format == "xlsx" and table.total == 3
    assert rows == [
        (2, ["20251101000123", datetime(2025, 11, 1, 9, 30), "121.505"]),
        (4, ["A3", "2025-11-02 10:00", "121"]),
    ]


def test_an_unreadable_workbook_and_an_empty_file_are_clear_errors():
    with pytest.raises(ValidationFailed, match="not a readable xlsx workbook"):
        table_of(b"PK\x03\x04 not really a zip", name="x.xlsx")
    with pytest.raises(ValidationFailed, match="The file is empty."):
        table_of(b"")
