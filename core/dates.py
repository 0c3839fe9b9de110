"""Reading a day given as text: a command's option (an error naming the option) or a page's
query parameter (None when it is not a day)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.management.base import CommandError


def day_option(value: str, *, option: str) -> date:
    """A command's YYYY-MM-DD option, or a CommandError naming it."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def day_or_none(value: str | None) -> date | None:
    """An ISO day from a query string, or None when empty or not a day."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def quarter_start(day: date) -> date:
    """The first day of ``day``'s calendar quarter (1 January, 1 April, 1 July, 1 October)."""
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
