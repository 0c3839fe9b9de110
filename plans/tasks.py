"""Huey tasks of planned work (run by `manage.py run_huey`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from plans import scheduler, services


# 15:30 UTC = 23:30 in Asia/Shanghai: tomorrow's orders exist before the crews start.
@db_periodic_task(crontab(hour="15", minute="30"))
def generate_tomorrow() -> int:
    return scheduler.generate(timezone.localdate() + timedelta(days=1))


@db_periodic_task(crontab(minute="*/5"))
def mark_missed() -> int:
    return scheduler.mark_missed()


# 16:50 UTC = 00:50 in Asia/Shanghai: yesterday's done orders are sampled for inspection.
@db_periodic_task(crontab(hour="16", minute="50"))
def sample_yesterday() -> int:
    return services.sample(timezone.localdate() - timedelta(days=1))
