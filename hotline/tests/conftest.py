"""Fixtures for the hotline import tests: the cases/intake fixtures (clock T0, staff by role,
flow helper, small city) and writers of 12345-style export files."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from cases.tests.conftest import (  # noqa: F401  (fixtures re-exported for the hotline tests)
    SHANGHAI,
    T0,
    _media,
    alpha_office,
    flow,
    grid,
    roads,
    staff,
    standard,
    t0,
    west_grid,
)
from intake.tests.conftest import manhole, receive  # noqa: F401

# The usual headers of a 12345 work-order export (hotline.mapping.FIELDS).
LIVE_HEADER = ["工单编号", "来电类型", "来电时间", "诉求内容", "地址", "经度", "纬度", "紧急程度"]
HIST_HEADER = [
    "工单编号",
    "来电类型",
    "状态",
    "分类代码",
    "诉求内容",
    "网格编码",
    "经度",
    "纬度",
    "处置部门代码",
    "来电时间",
    "核实时间",
    "立案时间",
    "派遣时间",
    "接收时间",
    "处置时间",
    "核查开始时间",
    "核查通过时间",
    "结案时间",
    "作废时间",
    "作废原因",
]
# Points of the small city's grids: east district 121.50-121.56, 29.85-29.87 (3 communities
# of 2 x 2 grids of 0.01 degrees).
LON0, LAT0 = 121.5005, 29.8505
LON_STEP, LAT_STEP = 0.0029, 0.0019  # ~280 m x 210 m: far beyond the 50 m duplicate radius
COLUMNS, ROWS = 20, 10


def point(i: int) -> tuple[float, float]:
    """The i-th point of a lattice over the east district (i < 200), each in some grid."""
    return LON0 + (i % COLUMNS) * LON_STEP, LAT0 + (i // COLUMNS % ROWS) * LAT_STEP


def fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence], *, encoding: str = "utf-8"
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def live_row(i: int, *, at: datetime = T0, **over) -> list:
    lon, lat = point(i)
    values = {
        "工单编号": f"12345-{i:05d}",
        "来电类型": "12345",
        "来电时间": fmt(at - timedelta(minutes=i)),
        "诉求内容": f"Street lamp {i} is broken",
        "地址": f"No. {i} Test Road",
        "经度": f"{lon:.6f}",
        "纬度": f"{lat:.6f}",
        "紧急程度": "一般",
    }
    values.update(over)
    return [values[h] for h in LIVE_HEADER]


def closed_times(start: datetime) -> dict[str, datetime]:
    """The times of a case closed the same working day (hotline: verified before filing)."""
    return {
        "来电时间": start,
        "核实时间": start + timedelta(minutes=20),
        "立案时间": start + timedelta(minutes=30),
        "派遣时间": start + timedelta(minutes=40),
        "接收时间": start + timedelta(minutes=50),
        "处置时间": start + timedelta(hours=2),
        "核查开始时间": start + timedelta(hours=2, minutes=30),
        "核查通过时间": start + timedelta(hours=3),
        "结案时间": start + timedelta(hours=4),
    }


def hist_row(i: int, *, start: datetime = T0 - timedelta(days=30), **over) -> list:
    """A closed 12345 case in category 01001 (water manhole cover), department CITY-ROADS."""
    lon, lat = point(i)
    values = {
        "工单编号": f"H-{i:06d}",
        "来电类型": "12345",
        "状态": "结案",
        "分类代码": "01001",
        "诉求内容": f"Manhole cover {i} missing",
        "网格编码": "",
        "经度": f"{lon:.6f}",
        "纬度": f"{lat:.6f}",
        "处置部门代码": "CITY-ROADS",
        "作废时间": "",
        "作废原因": "",
        **{k: fmt(v) for k, v in closed_times(start + timedelta(minutes=i)).items()},
    }
    values.update(over)
    return [values[h] for h in HIST_HEADER]


@pytest.fixture
def city(personas, small_city):
    """The small city with its departments (CITY-ROADS, ST-ALPHA, ST-BETA) and personas."""
    return small_city
