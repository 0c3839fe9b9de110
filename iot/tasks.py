"""Huey tasks: thin wrappers around iot services (run by ``manage.py run_huey``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from iot import alarms
from iot.tracking.tasks import coverage_yesterday  # noqa: F401  (huey discovers iot.tasks only)

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def scan_offline() -> dict:
    """Every minute: devices silent past their window go offline (and raise offline alarms).

    Safe with several consumers: each flip is a compare-and-swap (iot.alarms.scan_offline).
    """
    report = alarms.scan_offline()
    if report["offline"]:
        logger.info("IoT offline scan: %s", report)
    return report
