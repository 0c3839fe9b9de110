"""Huey tasks of the case centre (run by `manage.py run_huey`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from cases import tally


# huey reads crontabs in UTC (settings.HUEY utc=True): 18:50 UTC is 02:50 in Asia/Shanghai.
@db_periodic_task(crontab(hour="18", minute="50"))
def check_tallies() -> int:
    """Every night: the case tallies against the cases, made right (a difference is logged as a
    warning: some write went around the database's triggers). Returns the keys that differed."""
    return len(tally.check())
