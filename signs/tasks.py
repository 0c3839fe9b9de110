"""Huey tasks of the sign index (run by `manage.py run_huey`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from signs import services


# huey reads crontabs in UTC (settings.HUEY utc=True): 16:40 UTC is 00:40 in Asia/Shanghai,
# after the day's last case moves and before the evaluation reconciliation (02:30).
@db_periodic_task(crontab(hour="16", minute="40"))
def compute_yesterday() -> int:
    """Every night: the sign index of every area for the day that just ended."""
    return services.compute_day(timezone.localdate() - timedelta(days=1))


CATCH_UP_DAYS = 30
CATCH_UP_PER_RUN = 5


@db_periodic_task(crontab(minute="*/5"))
def catch_up() -> int:
    """Every five minutes: compute up to five of the last 30 days that have no index yet
    (a new install, the demo's first start, a worker that was down), newest first."""
    from signs.models import SignValue
    from signs.tree import active_tree

    tree = active_tree()
    if tree is None:
        return 0
    today = timezone.localdate()
    wanted = [today - timedelta(days=d) for d in range(1, CATCH_UP_DAYS + 1)]
    done = set(
        SignValue.objects.filter(tree=tree, day__in=wanted, hour=None).values_list("day", flat=True)
    )
    missing = [d for d in wanted if d not in done][:CATCH_UP_PER_RUN]
    return sum(services.compute_day(day) for day in missing)


# Hourly values (the index "now") are kept this many days; day values are kept for good.
HOURLY_KEPT_DAYS = 7
CATCH_UP_HOURS = 24
CATCH_UP_HOURS_PER_RUN = 3


def hour_ended(now) -> tuple:
    """(day, hour) of the local hour that ended last before ``now``."""
    ended = timezone.localtime(now) - timedelta(hours=1)
    return ended.date(), ended.hour


@db_periodic_task(crontab(minute="5"))
def compute_last_hour() -> int:
    """Every hour at :05: the index "now" as the hour just ended (its 24 hours), for every
    area; hourly values older than ``HOURLY_KEPT_DAYS`` days are dropped."""
    from signs.models import SignValue

    day, hour = hour_ended(timezone.now())
    written = services.compute_hour(day, hour)
    SignValue.objects.filter(
        hour__isnull=False, day__lt=timezone.localdate() - timedelta(days=HOURLY_KEPT_DAYS)
    ).delete()
    return written


@db_periodic_task(crontab(minute="*/5"))
def catch_up_hours() -> int:
    """Every five minutes: up to three of the 24 hours before the last that have no hourly
    index yet (a new install, the demo's first start, a worker that was down), oldest first,
    so each hour's colours follow the hour before it (the last hour is compute_last_hour's)."""
    from signs.models import Level, SignValue
    from signs.tree import active_tree

    tree = active_tree()
    if tree is None:
        return 0
    now = timezone.now()
    wanted = [hour_ended(now - timedelta(hours=h)) for h in range(1, CATCH_UP_HOURS + 1)]
    done = set(
        SignValue.objects.filter(
            tree=tree, day__gte=wanted[-1][0], hour__isnull=False, node__level=Level.INDEX
        ).values_list("day", "hour")
    )
    missing = sorted(w for w in wanted if w not in done)[:CATCH_UP_HOURS_PER_RUN]
    return sum(services.compute_hour(day, hour) for day, hour in missing)


@db_task()
def recompute_latest_hour() -> int:
    """After a change of weights or breakpoints: the latest computed hour again, so the index
    "now" follows the change at once rather than from the next hour (queued by the weights
    page: a computation takes seconds at a city's size)."""
    from signs import selectors
    from signs.tree import active_tree

    tree = active_tree()
    latest = selectors.latest_hour(tree) if tree is not None else None
    return services.compute_hour(*latest, tree=tree) if latest else 0
