"""Evaluation periods: this month, last month, this quarter, this year or chosen dates, and
the period before each (for the change in rank, 较上期)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from core.dates import day_or_none, quarter_start
from evaluation import selectors

PERIODS = {
    "month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Dates below"),
}


# The whole months a named period's period before is (this month so far: last month ...).
NAMED_MONTHS = {"month": 1, "last_month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    first: date  # inclusive
    last: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return selectors.day_bounds(self.first, self.last)

    @property
    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def previous(self) -> Period:
        """The period before: the previous month, quarter or year (whole), the same number of
        whole months before chosen dates that are whole months (May before June, Q2 before
        Q3), or as many days just before other chosen dates."""
        months = NAMED_MONTHS.get(self.key) or _whole_months(self.first, self.last)
        if months:  # a named period (running or not), or chosen dates of whole months
            start = self.first
            for _ in range(months):
                start = (start - timedelta(days=1)).replace(day=1)
            return Period("custom", "", start, self.first - timedelta(days=1))
        days = (self.last - self.first).days + 1
        return Period(
            "custom", "", self.first - timedelta(days=days), self.first - timedelta(days=1)
        )


def _whole_months(first: date, last: date) -> int | None:
    """How many calendar months [first, last] is when it is whole months, else None."""
    if first.day != 1 or (last + timedelta(days=1)).day != 1:
        return None
    return (last.year - first.year) * 12 + last.month - first.month + 1


def period_of(request: HttpRequest, today: date) -> Period:
    """The period asked for: a named one (``period``), or ``from``/``to`` dates when the period
    is ``custom`` or not named; else this month. A reversed or unreadable range falls back to
    this month."""
    key = request.GET.get("period", "custom")
    first, last = day_or_none(request.GET.get("from")), day_or_none(request.GET.get("to"))
    if key == "custom" and first and last and first <= last:
        return Period("custom", str(PERIODS["custom"]), first, last)
    month = today.replace(day=1)
    if key == "last_month":
        end = month - timedelta(days=1)
        return Period(key, str(PERIODS[key]), end.replace(day=1), end)
    if key == "quarter":
        return Period(key, str(PERIODS[key]), quarter_start(today), today)
    if key == "year":
        return Period(key, str(PERIODS[key]), today.replace(month=1, day=1), today)
    return Period("month", str(PERIODS["month"]), month, today)


class _LastMonth:
    GET = {"period": "last_month"}


def period_or_last_month(request: HttpRequest, today: date) -> Period:
    """The period asked for, or last month when none is (the bulletin's and the scheme page's
    default: the last whole month)."""
    asked = "period" in request.GET or "from" in request.GET
    return period_of(request if asked else _LastMonth(), today)
