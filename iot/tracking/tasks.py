"""Huey tasks of tracking (imported by iot.tasks so huey's autodiscovery finds them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from iot.tracking.coverage import compute_coverage


# huey reads crontabs in UTC (settings.HUEY utc=True): 17:15 UTC is 01:15 in Asia/Shanghai.
@db_periodic_task(crontab(hour="17", minute="15"))
def coverage_yesterday() -> dict:
    """Every night at 01:15 Beijing time: yesterday's sweeping coverage (the day is complete and
    late positions buffered by badges and terminals have arrived)."""
    report = compute_coverage(day=timezone.localdate() - timedelta(days=1))
    return {"day": report.day.isoformat(), "segments": report.segments, "mean": report.mean_share}
