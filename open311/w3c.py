"""W3C date/time (the ISO 8601 subset of https://www.w3.org/TR/NOTE-datetime) as GeoReport v2
requires it: output always carries the offset; input with a time must carry one too.

``parse`` returns a ``Moment``: the instant given and the end of the period it names, so
``end_date=2026-11-30`` includes the whole of 30 November while ``end_date=2026-11-30T12:00Z``
ends at noon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.utils import timezone

# YYYY | YYYY-MM | YYYY-MM-DD | YYYY-MM-DDThh:mm[:ss[.s+]]TZD (TZD = Z | +hh:mm | -hh:mm)
W3C_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)
# A "+" left unencoded in a query string arrives as a space: "...T09:00:00 08:00".
_PLUS_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class W3CError(ValueError):
    """Not a W3C date/time; the message says what is wrong."""


@dataclass(frozen=True)
class Moment:
    start: datetime  # the instant given (start of the period for date-only values)
    end: datetime  # exclusive end of the period named (start + 1 µs for an instant)


def format(value: datetime | None) -> str | None:  # noqa: A001 - the module's public verb
    """``2026-11-23T09:00:00+08:00`` in the display time zone (seconds, offset always)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _offset(tz: str) -> dt_timezone:
    if tz == "Z":
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise W3CError(f"the timezone offset {tz} is out of range")
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse(text: str) -> Moment:
    """Parse one W3C value; date-only values are days in the display time zone."""
    raw = (text or "").strip()
    raw = _PLUS_AS_SPACE.sub(r"\1+\2", raw)
    match = W3C_RE.match(raw)
    if match is None:
        raise W3CError(
            f"{text!r} is not a W3C date/time (e.g. 2026-11-23T09:00:00+08:00 or 2026-11-23)"
        )
    g = match.groupdict()
    try:
        year, month, day = int(g["y"]), int(g["mo"] or 1), int(g["d"] or 1)
        if g["h"] is None:
            local = timezone.get_current_timezone()
            start = datetime.combine(datetime(year, month, day).date(), time(), tzinfo=local)
            if g["d"] is not None:
                end = start + timedelta(days=1)
            elif g["mo"] is not None:
                end = start.replace(year=year + month // 12, month=month % 12 + 1)
            else:
                end = start.replace(year=year + 1)
            return Moment(start, end)
        if g["tz"] is None:
            raise W3CError(f"{text!r} has a time but no timezone: add Z or an offset like +08:00")
        fraction = (g["f"] or "0")[:6].ljust(6, "0")
        instant = datetime(
            year,
            month,
            day,
            int(g["h"]),
            int(g["mi"]),
            int(g["s"] or 0),
            int(fraction),
            tzinfo=_offset(g["tz"]),
        )
    except ValueError as exc:
        if isinstance(exc, W3CError):
            raise
        raise W3CError(f"{text!r} is not a real date/time ({exc})") from exc
    return Moment(instant, instant + timedelta(microseconds=1))
