"""Read a hotline export row by row: CSV (UTF-8, UTF-8 with BOM, GB18030, UTF-16) or xlsx.

Files are streamed, never loaded whole: a CSV is decoded line by line (so one line with bytes
that are not text in the detected encoding is reported as that line, not as a failed file) and
an xlsx is read with openpyxl's read-only mode. Every row comes with its line number as a
spreadsheet program shows it (the header is line 1), which is what rejection reports cite.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO
from zipfile import BadZipFile

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

SAMPLE_BYTES = 1 << 20  # how much of a CSV decides its encoding
MOSTLY_UTF8 = 10  # under 1 broken character per 10 non-ASCII bytes: UTF-8 with damage
COUNT_CHUNK = 1 << 22
CSV_DELIMITERS = (",", "\t", ";", "|")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
# Integral floats below this print as integers (a ticket number stored as a number in Excel).
MAX_EXACT_INT = 10**15
BAD_TEXT = "\ufffd"  # marks a cell of a line that did not decode (see ``Table.bad_lines``)

Cell = str | datetime | None


@dataclass
class Table:
    """A header and an iterator of (line number, cells) rows; cells are stripped text,
    datetimes (xlsx date cells) or None (empty)."""

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    format: str  # "csv" | "xlsx"
    encoding: str = ""
    total: int | None = None  # data rows, when cheaply known (for progress bars)
    bad_lines: set[int] = field(default_factory=set)  # CSV lines that were not valid text


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig (BOM), utf-16 (BOM), utf-8, or gb18030 (GBK/GB2312 exports of Chinese systems).

    A UTF-8 file with a few broken bytes stays UTF-8 (its broken lines are reported one by one);
    GBK text read as UTF-8 breaks on nearly every Chinese character.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character: that is still UTF-8.
        if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
            return "utf-8"
        broken = sample.decode("utf-8", "replace").count("\ufffd")
        non_ascii = sum(1 for b in sample if b > 0x7F)
        return "utf-8" if broken * MOSTLY_UTF8 < non_ascii else "gb18030"
    return "utf-8"


def _count_lines(stream: IO[bytes]) -> int:
    stream.seek(0)
    lines, last = 0, b""
    while chunk := stream.read(COUNT_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk
    stream.seek(0)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def _delimiter(header_line: str, chosen: str) -> str:
    if chosen:
        return chosen
    counts = {d: header_line.count(d) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decoded_lines(stream: IO[bytes], encoding: str, bad: set[int]) -> Iterator[str]:
    """Lines as text; a line that does not decode is kept (with U+FFFD) and noted in ``bad``."""
    if encoding == "utf-16":  # not ASCII-compatible: no byte-wise line split
        yield from io.TextIOWrapper(stream, encoding=encoding, newline="")
        return
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            bad.add(number)
            yield raw.decode(encoding, "replace")


def read_csv(stream: IO[bytes], *, delimiter: str = "", count: bool = True) -> Table:
    sample = stream.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    total = None
    if count and stream.seekable():
        total = max(_count_lines(stream) - 1, 0)
    else:
        stream.seek(0)
    bad: set[int] = set()
    lines = _decoded_lines(stream, encoding, bad)
    first = next(lines, None)
    if first is None:
        raise ValidationFailed(_("The file is empty."), code="empty_file")
    first = first.lstrip("\ufeff")
    sep = _delimiter(first, delimiter)
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    reader = csv.reader(lines, delimiter=sep)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        consumed = 1  # the header line
        try:
            for record in reader:
                line = consumed + 1
                consumed = reader.line_num + 1
                if consumed > line and any(n in bad for n in range(line, consumed + 1)):
                    bad.add(line)  # a quoted record over several lines: flag where it starts
                cells = [c.strip() or None for c in record]
                if any(cells):
                    yield line, cells
        except csv.Error as exc:
            raise ValidationFailed(
                _("Line %(line)d: the CSV cannot be read further (%(error)s).")
                % {"line": consumed + 1, "error": exc},
                code="bad_csv",
            ) from exc

    return Table(header, rows(), "csv", encoding, total, bad)


def _cell(value) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < MAX_EXACT_INT:
            return str(int(value))
        return repr(value)
    text = str(value).strip()
    return text or None


def read_xlsx(stream: IO[bytes], *, sheet: str = "") -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            _("The file is not a readable xlsx workbook (%(error)s).") % {"error": exc},
            code="bad_xlsx",
        ) from exc
    if sheet:
        if sheet not in book.sheetnames:
            raise ValidationFailed(
                _("The workbook has no sheet %(sheet)r; it has %(names)s.")
                % {"sheet": sheet, "names": ", ".join(book.sheetnames)},
                code="bad_xlsx",
            )
        ws = book[sheet]
    else:
        ws = book.worksheets[0]
    values = ws.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        raise ValidationFailed(_("The file is empty."), code="empty_file")
    header = ["" if v is None else str(v).strip() for v in first]
    total = (ws.max_row - 1) if ws.max_row else None

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        # read-only sheets yield missing rows as empty ones, so the count stays the row number
        for line, record in enumerate(values, start=2):
            cells = [_cell(v) for v in record]
            if any(c is not None for c in cells):
                yield line, cells
        book.close()

    return Table(header, rows(), "xlsx", "", total)


def is_xlsx(name: str, head: bytes) -> bool:
    return Path(name).suffix.lower() in XLSX_SUFFIXES or head.startswith(ZIP_MAGIC)


def open_table(stream: IO[bytes], *, name: str, delimiter: str = "", sheet: str = "") -> Table:
    """The table in ``stream`` (binary, seekable), CSV or xlsx by name or content."""
    head = stream.read(4)
    stream.seek(0)
    if is_xlsx(name, head):
        return read_xlsx(stream, sheet=sheet)
    return read_csv(stream, delimiter=delimiter)
