"""The demo city's sign-index inputs (体征): a month of figures other systems would push and a
few entered by hand, deterministic from the seed, so the index has feeds, readings of the
city's life and manual figures from the first start.

Figures (signs.models.Figure) for the ``DAYS`` days up to ``now``: AQI every hour for the
city and each district (a daily curve plus weather), the traffic index every hour for the city
(morning and evening peaks), the weather-warning level in force every hour (mostly none, a
blue or yellow day now and then), daily 110 / 119 / dispute / accident counts per district, daily city figures
(bus punctuality, arterial speed, parking vacancy, charger availability, 12345 answer rate and
calls, crowding minutes, utility outages) and, entered by hand, each district's sweeping and
waste-sorting coverage for the quarter and the city's yearly satisfaction survey. The values
are plausible, not real. The sign index of the last ``COMPUTED_DAYS`` days is computed here;
the worker fills in the rest of the month (signs.tasks.catch_up) after the demo starts.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from django.utils import timezone

from areas.models import AdminArea, AreaLevel
from signs import services
from signs.models import Channel, Figure
from signs.tasks import hour_ended

DAYS = 30
COMPUTED_DAYS = 2
SOURCE_PREFIX = "demo-"

# code -> (unit, low, high) of the daily city figures (a value drawn between, per day)
DAILY_CITY = {
    "bus_punctuality": ("%", 86.0, 97.0),
    "arterial_speed": ("km/h", 18.0, 34.0),
    "parking_vacancy": ("%", 6.0, 35.0),
    "ev_chargers": ("%", 85.0, 99.0),
    "hotline_answer_15s": ("%", 84.0, 96.0),
    "hotline_calls": ("calls/d", 6500.0, 9800.0),
    "crowding_minutes": ("minutes/d", 0.0, 90.0),
    "utility_outages": ("户·h/d", 20.0, 400.0),
}
# code -> (unit, mean per day) of the daily district counts
DAILY_DISTRICT = {
    "police_110_crime": ("cases/d", 18),
    "police_110_nonpolice": ("cases/d", 60),
    "disputes": ("cases/d", 12),
    "fire_119": ("cases/d", 2),
    "traffic_accidents": ("cases/d", 9),
}


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: small means only (the demo's daily counts).
    limit, k, p = math.exp(-mean), 0, 1.0
    while p > limit:
        k += 1
        p *= rng.random()
    return k - 1


def figures(*, seed: int, now: datetime) -> list[Figure]:
    """The demo's figures (unsaved), the same for the same seed and ``now``."""
    rng = random.Random(f"signs-{seed}")
    city = AdminArea.objects.get(parent__isnull=True, level=AreaLevel.CITY)
    districts = list(AdminArea.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))
    local_now = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    first = (local_now - timedelta(days=DAYS)).replace(hour=0)
    found: list[Figure] = []

    def add(code, channel, area, at, value, unit):
        found.append(
            Figure(code=code, channel=channel, area=area, at=at, value=round(value, 2), unit=unit,
                   source_id=f"{SOURCE_PREFIX}{code}-{area.code}-{at:%Y%m%d%H}")
        )  # fmt: skip

    hours = int((local_now - first).total_seconds() // 3600)
    weather = [rng.uniform(0.7, 1.6) for _ in range(DAYS + 2)]  # a dirty or a clean day
    warnings = rng.choices([0, 4, 3], weights=[85, 11, 4], k=DAYS + 2)
    for h in range(hours + 1):
        at = first + timedelta(hours=h)
        day = (at - first).days
        curve = 1 + 0.25 * math.sin((at.hour - 9) / 24 * 2 * math.pi)
        for area in [city, *districts]:
            aqi = 55 * weather[day] * curve * rng.uniform(0.85, 1.15)
            add("aqi", Channel.FEED, area, at, min(aqi, 480), "index")
        peak = 3.5 if at.hour in (7, 8, 17, 18) else 1.2 if 6 <= at.hour <= 21 else 0.4
        add("tpi", Channel.FEED, city, at, min(10, peak * rng.uniform(0.8, 1.9)), "0-10")
        # The warning in force (a state, sent every hour): a blue or yellow day now and then.
        add("weather_warning", Channel.FEED, city, at, warnings[day], "level")
    for day in range(DAYS + 1):
        at = first + timedelta(days=day, hours=20)
        if at > local_now:
            break
        for code, (unit, low, high) in DAILY_CITY.items():
            add(code, Channel.FEED, city, at, rng.uniform(low, high), unit)
        for area in districts:
            for code, (unit, mean) in DAILY_DISTRICT.items():
                add(code, Channel.FEED, area, at, _poisson(rng, mean * rng.uniform(0.7, 1.4)), unit)
    quarter = first.replace(day=1, hour=9)
    for area in districts:
        add("sweeping_coverage", Channel.MANUAL, area, quarter, rng.uniform(88, 99.5), "%")
        add("sorting_coverage", Channel.MANUAL, area, quarter, rng.uniform(60, 92), "%")
    add("satisfaction_survey", Channel.MANUAL, city, quarter, rng.uniform(82, 93), "score")
    return found


def seed(*, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Store the figures and compute the index of the last days; returns the counts."""
    now = now or timezone.now()
    made = figures(seed=seed, now=now)
    Figure.objects.bulk_create(made, batch_size=2000)
    today = timezone.localdate(now)
    values = sum(
        services.compute_day(today - timedelta(days=d)) for d in range(1, COMPUTED_DAYS + 1)
    )
    # The index "now" (the hour just ended): the worker adds the hours before it as it runs.
    values += services.compute_hour(*hour_ended(now))
    return {"figures": len(made), "sign values": values}


def reset() -> dict[str, int]:
    """Delete the demo's figures and every computed sign value (they are derived)."""
    from signs.models import SignValue

    _n, per_model = Figure.objects.filter(source_id__startswith=SOURCE_PREFIX).delete()
    deleted = {"figures": per_model.get("signs.Figure", 0)}
    _n, per_model = SignValue.objects.all().delete()
    deleted["sign values"] = per_model.get("signs.SignValue", 0)
    return deleted
