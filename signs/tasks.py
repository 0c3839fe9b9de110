"""Huey tasks of the sign index (run by `manage.py run_huey`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

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
    done = set(SignValue.objects.filter(tree=tree, day__in=wanted).values_list("day", flat=True))
    missing = [d for d in wanted if d not in done][:CATCH_UP_PER_RUN]
    return sum(services.compute_day(day) for day in missing)
