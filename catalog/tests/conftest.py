"""Helpers for the catalogue tests: write small data files into tmp_path."""

from __future__ import annotations

import pytest
from django.utils import translation

STANDARD_HEADER = (
    "code,kind,category_code,filing_condition,closing_condition,time_limit,time_unit,"
    "limit_a,limit_b,limit_c,responsible_note,source"
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English whatever zh-Hans translations exist later."""
    with translation.override("en"):
        yield


@pytest.fixture
def write_file(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def standards_csv(write_file):
    """A standards CSV from data lines (the header is added)."""

    def make(*lines: str, name: str = "standards.csv"):
        return write_file(name, "\n".join((STANDARD_HEADER, *lines)) + "\n")

    return make
