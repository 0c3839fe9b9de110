"""Periods and the period before each (for the change in rank)."""

from datetime import date

from evaluation.periods import Period, period_of


class Asked:
    def __init__(self, **get):
        self.GET = get


TODAY = date(2026, 5, 17)


def test_named_periods_and_the_one_before():
    def span(p: Period):
        return (p.first, p.last)

    month = period_of(Asked(period="month"), TODAY)
    assert span(month) == (date(2026, 5, 1), TODAY)
    assert span(month.previous()) == (date(2026, 4, 1), date(2026, 4, 30))
    last = period_of(Asked(period="last_month"), TODAY)
    assert span(last.previous()) == (date(2026, 3, 1), date(2026, 3, 31))
    quarter = period_of(Asked(period="quarter"), TODAY)
    assert span(quarter) == (date(2026, 4, 1), TODAY)
    assert span(quarter.previous()) == (date(2026, 1, 1), date(2026, 3, 31))
    first_quarter = period_of(Asked(period="quarter"), date(2026, 2, 3))
    assert span(first_quarter.previous()) == (date(2025, 10, 1), date(2025, 12, 31))
    year = period_of(Asked(period="year"), TODAY)
    assert span(year.previous()) == (date(2025, 1, 1), date(2025, 12, 31))
    week = period_of(Asked(**{"from": "2026-11-23", "to": "2026-11-29"}), TODAY)
    assert span(week.previous()) == (date(2026, 11, 16), date(2026, 11, 22))
    january = period_of(Asked(period="month"), date(2026, 1, 9))
    assert span(january.previous()) == (date(2025, 12, 1), date(2025, 12, 31))


def test_chosen_dates_of_whole_months_are_compared_with_the_months_before():
    def before(first: str, last: str):
        p = period_of(Asked(**{"from": first, "to": last}), TODAY).previous()
        return (p.first, p.last)

    assert before("2025-06-01", "2025-06-30") == (
        date(2025, 5, 1),
        date(2025, 5, 31),
    )  # not 30 days
    assert before("2025-07-01", "2025-09-30") == (date(2025, 4, 1), date(2025, 6, 30))
    assert before("2025-01-01", "2025-12-31") == (date(2024, 1, 1), date(2024, 12, 31))
    assert before("2025-03-01", "2025-03-31") == (date(2025, 2, 1), date(2025, 2, 28))
    assert before("2025-06-02", "2025-06-30") == (date(2025, 5, 4), date(2025, 6, 1))  # days
