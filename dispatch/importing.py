"""Routing rules from a CSV file (``manage.py import_routing FILE``): all or nothing.

Columns (header row required, UTF-8, optional BOM)::

    area_code,department_code,category_kind,category_code,category_major,role,priority,valid_from,valid_to,note

Only ``area_code`` and ``department_code`` are required. Every bad line is reported with its
line number and nothing is written unless every line is good. Each rule is created through
``dispatch.services.config_save``, so it gets its history row like an admin edit.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, ValidationFailed
from dispatch import services

COLUMNS = (
    "area_code",
    "department_code",
    "category_kind",
    "category_code",
    "category_major",
    "role",
    "priority",
    "valid_from",
    "valid_to",
    "note",
)
REQUIRED = ("area_code", "department_code")
MAX_ERRORS_SHOWN = 50


class _Rollback(Exception):
    pass


def _date(value: str, column: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("%(column)s: %(value)r is not a date (YYYY-MM-DD).")
            % {"column": column, "value": value}
        ) from None


def _int(value: str, column: str) -> int:
    try:
        return int(value.strip() or 0)
    except ValueError:
        raise ValidationFailed(
            _("%(column)s: %(value)r is not a whole number.") % {"column": column, "value": value}
        ) from None


def _codes(row: dict[str, str]) -> dict:
    return {
        "area_code": row.get("area_code") or "",
        "department_code": row.get("department_code") or "",
        "category_kind": row.get("category_kind") or "",
        "category_code": row.get("category_code") or "",
        "category_major": row.get("category_major") or "",
        "role": (row.get("role") or "lead").strip() or "lead",
        "priority": _int(row.get("priority") or "", "priority"),
        "valid_from": _date(row.get("valid_from") or "", "valid_from"),
        "valid_to": _date(row.get("valid_to") or "", "valid_to"),
        "note": row.get("note") or "",
    }


def import_rules(*, path: str | Path, actor, dry_run: bool = False) -> int:
    """Create every rule of the file, or none; returns how many the file holds."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s: %(err)s") % {"path": path, "err": exc}
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise ValidationFailed(
            _(
                "Line 1: missing columns %(missing)s; unknown columns %(unknown)s. Expected %(cols)s."
            )
            % {
                "missing": ", ".join(missing) or "-",
                "unknown": ", ".join(unknown) or "-",
                "cols": ",".join(COLUMNS),
            }
        )
    errors: list[str] = []
    count = 0
    try:
        with transaction.atomic():
            for line, row in enumerate(reader, start=2):
                try:
                    # A savepoint per line: one failed insert must not poison the others' checks.
                    with transaction.atomic():
                        services.config_save(obj=services.rule_build(**_codes(row)), actor=actor)
                    count += 1
                except DomainError as exc:
                    errors.append(_("Line %(line)d: %(msg)s") % {"line": line, "msg": exc.message})
            if errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        tail = [_("... and %(n)d more.") % {"n": more}] if more else []
        raise ValidationFailed("\n".join([*shown, *tail]), details={"lines": len(errors)})
    if count == 0:
        raise ValidationFailed(_("%(path)s holds no rules.") % {"path": path})
    return count
