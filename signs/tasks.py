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
