"""Huey tasks: thin wrappers around dispatch.scanner (run by `manage.py run_huey`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.heartbeat import SLA_SCAN, beating
from dispatch import scanner

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def scan_sla() -> dict:
    """Every minute: flip SLA lights, send reminders and 督办 notices, escalate (dispatch.scanner).

    Safe with several consumers: every flip is a compare-and-swap, so an overlapping run only
    finds nothing left to do.
    """
    with beating(SLA_SCAN):
        report = scanner.scan()
    if report.yellow or report.red or report.escalated or report.cleared:
        logger.info("SLA scan: %s", report.as_dict())
    return report.as_dict()
