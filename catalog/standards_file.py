"""Reading and checking a filing-standards file (立结案标准): CSV or xlsx, one row per condition.

Columns (header names, English or the Chinese aliases below):
``code, kind, category_code, filing_condition, closing_condition, time_limit, time_unit,
limit_a, limit_b, limit_c, responsible_note, source``.

Units are accepted as stored values (``urgent_hour`` …) or as the words real standards use
(standards.md §3.4): 紧急工作时 -> urgent_hour, 工作时/小时 -> work_hour, 工作日/天 -> work_day,
自然日/紧急工作日 -> natural_day (smart_cityguard reads 紧急工作日 as calendar days). A limit may
also carry its unit ("2紧急工作时", "4个工作时") with the unit column left blank.

Nothing here touches the database except the category lookup passed in by the caller, so the
same parser serves the ``import_standards`` command and the data migration.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext, gettext_noop

from core.models import TimeUnit

COLUMNS = (
    "code",
    "kind",
    "category_code",
    "filing_condition",
    "closing_condition",
    "time_limit",
    "time_unit",
    "limit_a",
    "limit_b",
    "limit_c",
    "responsible_note",
    "source",
)
REQUIRED_COLUMNS = (
    "code",
    "kind",
    "category_code",
    "filing_condition",
    "closing_condition",
    "time_limit",
)

# Chinese headers as they appear in local 立结案标准 spreadsheets.
HEADER_ALIASES = {
    "编码": "code",
    "立案明细编码": "code",
    "类型": "kind",
    "类别": "kind",
    "小类代码": "category_code",
    "立案条件": "filing_condition",
    "结案条件": "closing_condition",
    "处置时限": "time_limit",
    "时限": "time_limit",
    "时限单位": "time_unit",
    "单位": "time_unit",
    "a类": "limit_a",
    "b类": "limit_b",
    "c类": "limit_c",
    "责任单位": "responsible_note",
    "责任主体": "responsible_note",
    "来源": "source",
}

KIND_WORDS = {
    "component": "component",
    "部件": "component",
    "管理部件": "component",
    "event": "event",
    "事项": "event",
    "事件": "event",
    "管理事项": "event",
}

UNIT_WORDS = {
    TimeUnit.URGENT_HOUR.value: TimeUnit.URGENT_HOUR,
    TimeUnit.WORK_HOUR.value: TimeUnit.WORK_HOUR,
    TimeUnit.WORK_DAY.value: TimeUnit.WORK_DAY,
    TimeUnit.NATURAL_DAY.value: TimeUnit.NATURAL_DAY,
    "紧急工作时": TimeUnit.URGENT_HOUR,
    "紧急小时": TimeUnit.URGENT_HOUR,
    "工作时": TimeUnit.WORK_HOUR,
    "工作小时": TimeUnit.WORK_HOUR,
    "小时": TimeUnit.WORK_HOUR,
    "工作日": TimeUnit.WORK_DAY,
    "天": TimeUnit.WORK_DAY,
    "自然日": TimeUnit.NATURAL_DAY,
    "日历日": TimeUnit.NATURAL_DAY,
    "紧急工作日": TimeUnit.NATURAL_DAY,
}

# Field sizes of catalog.FilingStandard (kept here so the parser needs no model class).
MAX_CODE = 12
MAX_CONDITION = 300
MAX_NOTE = 100
MAX_SOURCE = 200
MAX_LIMIT = Decimal("9999.99")  # DecimalField(max_digits=6, decimal_places=2)

EXTRA_CELLS = gettext_noop("more cells than header columns (quote a value that contains a comma)")


def translate(template: str, **values) -> str:
    """gettext, then %-format with ``values``. Modules bind it to ``_`` so that
    ``makemessages`` extracts the templates like any ``_("...")`` call."""
    return gettext(template) % values if values else gettext(template)


_ = translate


_LIMIT_WITH_UNIT = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)\s*个?\s*(?P<unit>\D+)$")
_CATEGORY_CODE = re.compile(r"^\d{5}$")
_SUFFIX = re.compile(r"-(\d{1,4})$")


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line %(line)d: %(reason)s", line=self.line, reason=self.reason)


@dataclass
class StandardRow:
    """One checked row, ready to be written."""

    line: int
    code: str
    kind: str
    category_code: str
    filing_condition: str
    closing_condition: str
    time_limit: Decimal
    time_unit: str
    limit_a: Decimal | None
    limit_b: Decimal | None
    limit_c: Decimal | None
    responsible_note: str
    source: str
    sort_order: int


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # xlsx gives 2.0 for "2"
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_unit(word: str) -> str | None:
    """The stored TimeUnit value for a unit word, or ``None`` when unknown."""
    key = _clean(word).lower().replace(" ", "")
    key = key.removeprefix("个")
    unit = UNIT_WORDS.get(key)
    return unit.value if unit is not None else None


def parse_limit(raw: str, unit_raw: str) -> tuple[Decimal, str]:
    """(amount, unit) from the limit and unit cells; raises ValueError with a reason."""
    text = _clean(raw).replace(" ", "")
    unit_text = _clean(unit_raw)
    if not text:
        raise ValueError(_("time_limit is empty"))
    embedded = _LIMIT_WITH_UNIT.match(text)
    if embedded:
        text = embedded["amount"]
        embedded_unit = parse_unit(embedded["unit"])
        if embedded_unit is None:
            raise ValueError(_("unknown time unit %(unit)r", unit=embedded["unit"]))
        if unit_text and parse_unit(unit_text) != embedded_unit:
            raise ValueError(
                _(
                    "time_limit %(raw)r and time_unit %(unit)r name different units",
                    raw=raw,
                    unit=unit_raw,
                )
            )
        unit_text = embedded["unit"]
    amount = parse_amount(text, "time_limit")
    if amount is None:
        raise ValueError(_("time_limit is empty"))
    if not unit_text:
        raise ValueError(_("time_unit is empty (give it, or write the limit as '2紧急工作时')"))
    unit = parse_unit(unit_text)
    if unit is None:
        raise ValueError(
            _(
                "unknown time unit %(unit)r (use 紧急工作时, 工作时/小时, 工作日/天, "
                "自然日/紧急工作日 or urgent_hour, work_hour, work_day, natural_day)",
                unit=unit_text,
            )
        )
    return amount, unit


def parse_amount(raw: str, column: str) -> Decimal | None:
    """A positive amount with at most 2 decimals, ``None`` when blank; ValueError otherwise."""
    text = _clean(raw)
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("%(column)s %(text)r is not a number", column=column, text=text)
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(_("%(column)s must be positive, got %(text)s", column=column, text=text))
    if amount > MAX_LIMIT:
        raise ValueError(
            _(
                "%(column)s %(text)s is larger than %(max)s",
                column=column,
                text=text,
                max=MAX_LIMIT,
            )
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            _("%(column)s %(text)s has more than 2 decimals", column=column, text=text)
        )
    return amount


def read_table(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line, cells)]) from a CSV (UTF-8, BOM allowed) or xlsx file."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text = path.read_bytes().decode("utf-8-sig")
    return read_csv_text(text)


def read_csv_text(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not header:
            header = cells
            continue
        # line_num is the physical line where the record ends: exact unless a cell has newlines.
        rows.append((reader.line_num, cells))
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        header: list[str] = []
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_clean(v) for v in values]
            if not header:
                header = cells
                continue
            rows.append((number, cells))
        return header, rows
    finally:
        workbook.close()


def map_header(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Column name -> index; errors for missing required columns (reported on line 1)."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = _clean(name).lower()
        key = HEADER_ALIASES.get(key, key)
        if key in COLUMNS and key not in index:
            index[key] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    errors = []
    if missing:
        errors.append(RowError(1, _("missing column(s): %(names)s", names=", ".join(missing))))
    return index, errors


def parse_rows(
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    *,
    category_exists: Callable[[str, str], bool],
) -> tuple[list[StandardRow], list[RowError]]:
    """Check every row; return the good rows and *all* the errors (never stop at the first)."""
    index, errors = map_header(header)
    if errors:
        return [], errors
    parsed: list[StandardRow] = []
    first_line_of: dict[str, int] = {}
    for position, (line, cells) in enumerate(rows, start=1):
        if not any(_clean(c) for c in cells):
            continue  # blank spreadsheet row
        cell = {name: _clean(cells[i]) if i < len(cells) else "" for name, i in index.items()}
        row_errors: list[str] = []
        if any(_clean(c) for c in cells[len(header) :]):
            row_errors.append(_(EXTRA_CELLS))
        code = cell["code"]
        if not code:
            row_errors.append(_("code is empty"))
        elif len(code) > MAX_CODE:
            row_errors.append(
                _("code %(code)r is longer than %(n)d characters", code=code, n=MAX_CODE)
            )
        elif code in first_line_of:
            row_errors.append(
                _("code %(code)s repeats line %(line)d", code=code, line=first_line_of[code])
            )
        else:
            first_line_of[code] = line
        kind = KIND_WORDS.get(cell["kind"].lower())
        if kind is None:
            row_errors.append(
                _("unknown kind %(kind)r (use component/部件 or event/事项)", kind=cell["kind"])
            )
        category_code = cell["category_code"]
        if not _CATEGORY_CODE.match(category_code):
            row_errors.append(_("category_code %(code)r is not a 5-digit code", code=category_code))
        elif kind is not None and not category_exists(kind, category_code):
            row_errors.append(
                _("unknown category %(kind)s %(code)s", kind=kind, code=category_code)
            )
        for column in ("filing_condition", "closing_condition"):
            if not cell[column]:
                row_errors.append(_("%(column)s is empty", column=column))
            elif len(cell[column]) > MAX_CONDITION:
                row_errors.append(
                    _("%(column)s is longer than %(n)d characters", column=column, n=MAX_CONDITION)
                )
        time_limit, time_unit = None, None
        try:
            time_limit, time_unit = parse_limit(cell["time_limit"], cell.get("time_unit", ""))
        except ValueError as exc:
            row_errors.append(str(exc))
        limits: dict[str, Decimal | None] = {}
        for column in ("limit_a", "limit_b", "limit_c"):
            try:
                limits[column] = parse_amount(cell.get(column, ""), column)
            except ValueError as exc:
                row_errors.append(str(exc))
        note, source = cell.get("responsible_note", ""), cell.get("source", "")
        if len(note) > MAX_NOTE:
            row_errors.append(
                _(
                    "%(column)s is longer than %(n)d characters",
                    column="responsible_note",
                    n=MAX_NOTE,
                )
            )
        if len(source) > MAX_SOURCE:
            row_errors.append(
                _("%(column)s is longer than %(n)d characters", column="source", n=MAX_SOURCE)
            )
        if row_errors:
            errors.extend(RowError(line, reason) for reason in row_errors)
            continue
        suffix = _SUFFIX.search(code)
        parsed.append(
            StandardRow(
                line=line,
                code=code,
                kind=kind,
                category_code=category_code,
                filing_condition=cell["filing_condition"],
                closing_condition=cell["closing_condition"],
                time_limit=time_limit,
                time_unit=time_unit,
                limit_a=limits.get("limit_a"),
                limit_b=limits.get("limit_b"),
                limit_c=limits.get("limit_c"),
                responsible_note=note,
                source=source,
                sort_order=int(suffix.group(1)) if suffix else position,
            )
        )
    return parsed, errors
