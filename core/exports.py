"""Lists as files (导出): CSV and xlsx from the same header and rows, safe to open.

``export_response(fmt, stem, header, rows)`` answers ``?format=csv`` with a streamed CSV (a
generator: a list of a million cases never sits in memory) and ``?format=xlsx`` with an
openpyxl write-only workbook (rows streamed into a temporary file). Both: Chinese headers as
given, times in the platform's zone (Asia/Shanghai) without the offset a spreadsheet cannot
read, and every text cell starting with = + - @ neutralised with a leading apostrophe, so a
description typed by a citizen never runs as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

FORMATS = ("csv", "xlsx")
# A worksheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A cell value a spreadsheet shows as written: local naive times, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (int, float, Decimal, date)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def _csv_text(value) -> str:
    value = spreadsheet_cell(value)
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


class _Echo:
    """A file-like object whose write returns the line (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel reads UTF-8 with the BOM
    yield writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_text(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable], *, stream=False):
    """A CSV download Excel opens in UTF-8; ``stream`` for long lists (written as they are
    read), else one body (small tables)."""
    lines = _csv_lines(header, rows)
    content_type = "text/csv; charset=utf-8"
    if stream:
        response = StreamingHttpResponse(lines, content_type=content_type)
    else:
        response = HttpResponse("".join(lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable], *, title: str = ""):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or "CityOps")[:31])
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(sheet, value=str(h))
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for n, row in enumerate(rows, start=1):
        if n > XLSX_MAX_ROWS:
            sheet.close()  # the half-written sheet's temporary file, not left to the collector
            raise ValidationFailed(
                _("More than %(n)s rows do not fit in a worksheet: download CSV instead.")
                % {"n": f"{XLSX_MAX_ROWS:,}"}
            )
        sheet.append([spreadsheet_cell(v) for v in row])
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_response(
    fmt: str,
    stem: str,
    header: list[str],
    rows: Iterable[Iterable],
    *,
    title="",
    stream=True,
    count: Callable[[], int] | None = None,
):
    """The list as ``stem.csv`` or ``stem.xlsx``; a 400 naming the problem for an unknown
    format or an xlsx too long for a worksheet. ``count`` (e.g. ``queryset.count``): asked for
    a CSV only, sent as ``X-Export-Rows`` so the page shows the progress of the streamed file
    (export-progress.js); an xlsx has its Content-Length."""
    try:
        if fmt not in FORMATS:
            raise ValidationFailed(
                _("format must be one of %(formats)s.") % {"formats": ", ".join(FORMATS)}
            )
        if fmt == "csv":
            response = csv_response(f"{stem}.csv", header, rows, stream=stream)
            if count is not None:
                response["X-Export-Rows"] = str(count())
        else:
            response = xlsx_response(f"{stem}.xlsx", header, rows, title=title)
    except ValidationFailed as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    return response
