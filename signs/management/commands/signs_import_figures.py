"""``manage.py signs_import_figures CODE FILE [--dry-run]``: figures of one feed or manual code
from a CSV or xlsx file (one row per figure: area code, time, value, unit, source id; Chinese
headers 区域编码 时间 数值 单位 来源编号 are read too), e.g. a survey's results or a year of AQI.
Every row is checked before any is stored; each problem names its line. A time without a zone is
the city's local time."""

from __future__ import annotations

import math
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from hotline.readers import open_table
from signs import feeds

COLUMNS = {
    "area": ("area", "区域编码", "区域"),
    "at": ("at", "时间", "测量时间"),
    "value": ("value", "数值", "值"),
    "unit": ("unit", "单位"),
    "source_id": ("source_id", "来源编号", "编号"),
}


def _time(cell) -> datetime:
    at = cell if isinstance(cell, datetime) else datetime.fromisoformat(str(cell))
    return at if at.tzinfo else timezone.make_aware(at, timezone.get_default_timezone())


class Command(BaseCommand):
    help = "Store figures of a feed or manual code from a CSV or xlsx file (体征数据导入)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the feed or manual code a leaf reads, e.g. aqi")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check only; store nothing")

    def handle(self, *args, code, file, dry_run=False, **options):
        try:
            with open(file, "rb") as stream:
                records, lines = self._read(stream, file)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        if dry_run:
            self.stdout.write(f"{file}: {len(records)} rows read; --dry-run: nothing stored.")
            return
        try:
            result = feeds.store(code, records, user=None, labels=lines)
        except DomainError as exc:
            problems = exc.details.get("problems") or [exc.message]
            raise CommandError("nothing stored:\n" + "\n".join(problems)) from None
        self.stdout.write(
            f"{result['stored']} figures stored, {len(result['duplicates'])} already there."
        )

    def _read(self, stream, name):
        try:
            table = open_table(stream, name=name)
        except DomainError as exc:
            raise CommandError(f"{name}: {exc.message}") from None
        header = [str(h or "").strip().lower() for h in table.header]
        where = {}
        for key, names in COLUMNS.items():
            found = next((i for i, h in enumerate(header) if h in names), None)
            if found is None:
                raise CommandError(f"{name}: no column {key} ({' / '.join(names)})")
            where[key] = found
        records, lines, problems = [], [], []
        for line, cells in table.rows:

            def cell(key, cells=cells):
                i = where[key]
                return cells[i] if i < len(cells) else None

            try:
                at = _time(cell("at"))
            except (TypeError, ValueError):
                problems.append(f"line {line}: at: not a date and time ({cell('at')!r})")
                continue
            try:
                value = float(cell("value"))
            except (TypeError, ValueError):
                problems.append(f"line {line}: value: not a number ({cell('value')!r})")
                continue
            if not math.isfinite(value):
                problems.append(f"line {line}: value: must be a finite number")
                continue
            records.append(feeds.Record(str(cell("area") or ""), at, value,
                                        str(cell("unit") or ""), str(cell("source_id") or "")))  # fmt: skip
            lines.append(f"line {line}")
        if problems:
            raise CommandError("nothing stored:\n" + "\n".join(problems))
        return records, lines
