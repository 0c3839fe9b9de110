"""Writes for the catalogue: load the GB/T 47678.5 directory, plain names, and filing standards.

Every loader takes ``apps`` (a model registry) so the data migrations can call the very same code
with historical models (``apps.get_model``); commands and tests leave it at the default. The
loaders therefore only write fields that exist since migration 0002 and never rely on model
methods. All three are idempotent upserts that never delete:

- ``load_categories``: upsert by (kind, code); with ``deactivate_missing`` a national category
  gone from the file is marked inactive (local extensions 本地扩展 are left alone). ``is_active``
  of an existing row is otherwise never touched, so an operator's choice survives a reload.
- ``load_plain_names``: fills the citizen words (plain_name, keywords) of listed categories;
  blank fields only, unless ``overwrite`` (so admin edits survive a reload).
- ``import_standards``: upsert of filing standards (立结案标准) by code, all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from catalog import standards_file
from catalog.standards_file import RowError, StandardRow, translate
from core.errors import ValidationFailed

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_FILE = DATA_DIR / "gb47678_5_categories.csv"
PLAIN_NAMES_FILE = DATA_DIR / "plain_names.csv"
STANDARDS_FILE = DATA_DIR / "filing_standards.csv"

CATEGORY_COLUMNS = ("kind", "major_code", "major_name", "minor_code", "minor_name", "source")
PLAIN_NAME_COLUMNS = ("code", "kind", "plain_name", "keywords")
KINDS = ("component", "event")
# Field sizes of catalog.Category (the loader must not depend on the current model class).
MAX_NAME, MAX_MAJOR_NAME, MAX_PLAIN, MAX_KEYWORDS, MAX_SOURCE = 60, 30, 60, 200, 200
CODE_RE = re.compile(r"^\d{5}$")
# Keywords are written with any of these between them; stored joined by "、".
KEYWORD_SPLIT = re.compile(r"[,，、;；|/\s]+")
KEYWORD_JOIN = "、"
EXTRA_CELLS = standards_file.EXTRA_CELLS
_ = translate  # gettext + %-format; makemessages extracts _("...") templates


class CatalogFileError(ValidationFailed):
    """A data file has bad rows; ``errors`` lists every one with its line number."""

    code = "catalog_file_invalid"

    def __init__(self, path: str | Path, errors: list[RowError]):
        self.path = str(path)
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(
            _("%(path)s: %(n)d error(s), nothing was written:\n%(lines)s")
            % {"path": path, "n": len(errors), "lines": lines},
            details={"errors": [{"line": e.line, "reason": e.reason} for e in errors]},
        )


@dataclass
class LoadResult:
    in_file: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _models(apps):
    registry = apps or global_apps
    return registry.get_model("catalog", "Category"), registry.get_model(
        "catalog", "FilingStandard"
    )


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(path, [RowError(1, _("the CSV is not UTF-8 text"))]) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogFileError(
            path, [RowError(1, _("missing column(s): %(names)s", names=", ".join(missing)))]
        )
    rows, errors = [], []
    for row in reader:
        if None in row:  # DictReader puts cells beyond the header under the key None
            errors.append(RowError(reader.line_num, _(EXTRA_CELLS)))
            continue
        if any((v or "").strip() for v in row.values()):
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    if errors:
        raise CatalogFileError(path, errors)
    return rows


def parse_categories(path: Path) -> list[dict[str, str]]:
    """Check the directory file; every bad row is reported, then CatalogFileError."""
    rows = _read_csv(path, CATEGORY_COLUMNS)
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    good = []
    for line, row in rows:
        kind, code, major = row["kind"], row["minor_code"], row["major_code"]
        problems = []
        if kind not in KINDS:
            problems.append(_("unknown kind %(kind)r (component or event)", kind=kind))
        if not CODE_RE.match(code):
            problems.append(_("code %(code)r is not 5 digits", code=code))
        elif not code.startswith(major) or len(major) != 2:
            problems.append(
                _(
                    "code %(code)s does not start with its major code %(major)r",
                    code=code,
                    major=major,
                )
            )
        if (kind, code) in seen:
            problems.append(
                _(
                    "%(kind)s %(code)s repeats line %(line)d",
                    kind=kind,
                    code=code,
                    line=seen[(kind, code)],
                )
            )
        seen.setdefault((kind, code), line)
        if not row["minor_name"] or len(row["minor_name"]) > MAX_NAME:
            problems.append(_("name must be 1-%(n)d characters", n=MAX_NAME))
        if not row["major_name"] or len(row["major_name"]) > MAX_MAJOR_NAME:
            problems.append(_("major name must be 1-%(n)d characters", n=MAX_MAJOR_NAME))
        if len(row["source"]) > MAX_SOURCE:
            problems.append(
                _("%(column)s is longer than %(n)d characters", column="source", n=MAX_SOURCE)
            )
        errors.extend(RowError(line, p) for p in problems)
        if not problems:
            good.append(row)
    if errors:
        raise CatalogFileError(path, errors)
    return good


def load_categories(
    *, path: str | Path = CATEGORIES_FILE, deactivate_missing: bool = False, apps=None
) -> LoadResult:
    """Upsert the national directory from ``path``; see the module docstring for the rules."""
    Category, _standard = _models(apps)
    rows = parse_categories(Path(path))
    result = LoadResult(in_file=len(rows), by_kind=dict(Counter(r["kind"] for r in rows)))
    existing = {(c.kind, c.code): c for c in Category.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {
            "name": row["minor_name"],
            "major_code": row["major_code"],
            "major_name": row["major_name"],
            "source": row["source"],
            "is_local": False,
        }
        current = existing.get((row["kind"], row["minor_code"]))
        if current is None:
            to_create.append(Category(kind=row["kind"], code=row["minor_code"], **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
        else:
            result.unchanged += 1
    in_file = {(r["kind"], r["minor_code"]) for r in rows}
    to_deactivate = []
    if deactivate_missing:
        to_deactivate = [
            c.pk
            for key, c in existing.items()
            if key not in in_file and c.is_active and not c.is_local
        ]
    with transaction.atomic():
        Category.objects.bulk_create(to_create)
        # bulk_update skips auto_now, so stamp updated_at ourselves.
        if to_update:
            now = timezone.now()
            for c in to_update:
                c.updated_at = now
            Category.objects.bulk_update(
                to_update,
                ["name", "major_code", "major_name", "source", "is_local", "updated_at"],
            )
        if to_deactivate:
            Category.objects.filter(pk__in=to_deactivate).update(is_active=False)
    result.created, result.updated, result.deactivated = (
        len(to_create),
        len(to_update),
        len(to_deactivate),
    )
    return result


def normalize_keywords(raw: str) -> str:
    """Split on any usual separator, drop blanks and repeats, join with "、"."""
    words = [w for w in KEYWORD_SPLIT.split(raw or "") if w]
    return KEYWORD_JOIN.join(dict.fromkeys(words))


def load_plain_names(
    *, path: str | Path = PLAIN_NAMES_FILE, overwrite: bool = False, apps=None
) -> LoadResult:
    """Fill plain_name/keywords of the categories listed in ``path`` (all rows checked first)."""
    Category, _standard = _models(apps)
    rows = _read_csv(Path(path), PLAIN_NAME_COLUMNS)
    categories = {(c.kind, c.code): c for c in Category.objects.all()}
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    planned = []
    for line, row in rows:
        key = (row["kind"], row["code"])
        plain, keywords = row["plain_name"], normalize_keywords(row["keywords"])
        problems = []
        if key not in categories:
            problems.append(
                _("unknown category %(kind)s %(code)s", kind=row["kind"], code=row["code"])
            )
        if key in seen:
            problems.append(
                _(
                    "%(kind)s %(code)s repeats line %(line)d",
                    kind=row["kind"],
                    code=row["code"],
                    line=seen[key],
                )
            )
        seen.setdefault(key, line)
        if len(plain) > MAX_PLAIN:
            problems.append(
                _("%(column)s is longer than %(n)d characters", column="plain_name", n=MAX_PLAIN)
            )
        if len(keywords) > MAX_KEYWORDS:
            problems.append(
                _("%(column)s is longer than %(n)d characters", column="keywords", n=MAX_KEYWORDS)
            )
        errors.extend(RowError(line, p) for p in problems)
        if not problems:
            planned.append((categories[key], plain, keywords))
    if errors:
        raise CatalogFileError(path, errors)
    result = LoadResult(in_file=len(rows))
    to_update = []
    for category, plain, keywords in planned:
        changed = False
        for name, value in (("plain_name", plain), ("keywords", keywords)):
            current = getattr(category, name)
            if value and current != value and (overwrite or not current):
                setattr(category, name, value)
                changed = True
        if changed:
            to_update.append(category)
        else:
            result.unchanged += 1
    if to_update:
        now = timezone.now()
        for c in to_update:
            c.updated_at = now
        with transaction.atomic():
            Category.objects.bulk_update(to_update, ["plain_name", "keywords", "updated_at"])
    result.updated = len(to_update)
    return result


@dataclass
class ImportResult:
    in_file: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_unit: dict[str, int] = field(default_factory=dict)


STANDARD_FIELDS = (
    "filing_condition",
    "closing_condition",
    "time_limit",
    "time_unit",
    "limit_a",
    "limit_b",
    "limit_c",
    "responsible_note",
    "source",
    "sort_order",
)


def import_standards(
    *, path: str | Path = STANDARDS_FILE, dry_run: bool = False, apps=None
) -> ImportResult:
    """Import filing standards from a CSV/xlsx file, all or nothing.

    Every row is checked first; if any is bad, CatalogFileError lists each bad row with its
    line number and reason and nothing is written. Rows are upserted by ``code``; a code that
    already belongs to another category is refused (moving it would silently re-file cases).
    """
    Category, FilingStandard = _models(apps)
    path = Path(path)
    try:
        header, raw_rows = standards_file.read_table(path)
    except UnicodeDecodeError as exc:
        # Excel in China often saves CSV as GBK; say so rather than show a codec error.
        raise CatalogFileError(
            path, [RowError(1, _("the CSV is not UTF-8 text: save it as UTF-8 or as xlsx"))]
        ) from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise CatalogFileError(
            path, [RowError(1, _("cannot read the file: %(error)s", error=exc))]
        ) from exc
    categories = {(c.kind, c.code): c for c in Category.objects.all()}
    rows, errors = standards_file.parse_rows(
        header, raw_rows, category_exists=lambda kind, code: (kind, code) in categories
    )
    existing = {s.code: s for s in FilingStandard.objects.select_related("category").all()}
    for row in rows:
        current = existing.get(row.code)
        if current is not None and (current.category.kind, current.category.code) != (
            row.kind,
            row.category_code,
        ):
            errors.append(
                RowError(
                    row.line,
                    _(
                        "code %(code)s already belongs to category %(kind)s %(category)s",
                        code=row.code,
                        kind=current.category.kind,
                        category=current.category.code,
                    ),
                )
            )
    if errors:
        raise CatalogFileError(path, sorted(errors, key=lambda e: e.line))
    result = ImportResult(in_file=len(rows), by_unit=dict(Counter(r.time_unit for r in rows)))
    with transaction.atomic():
        for row in rows:
            _upsert_standard(FilingStandard, categories, existing, row, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _upsert_standard(FilingStandard, categories, existing, row: StandardRow, result) -> None:
    values = {name: getattr(row, name) for name in STANDARD_FIELDS}
    current = existing.get(row.code)
    if current is None:
        FilingStandard.objects.create(
            code=row.code, category=categories[(row.kind, row.category_code)], **values
        )
        result.created += 1
    elif any(getattr(current, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(current, k, v)
        current.save()
        result.updated += 1
    else:
        result.unchanged += 1
