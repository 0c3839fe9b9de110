"""Huey tasks: thin wrappers around iot services (run by ``manage.py run_huey``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

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


@db_task(retries=3, retry_delay=10)
def open_alarm_cases(alarm_ids: list[int]) -> int:
    """The cases of alarms the MQTT consumer raised, after their readings were committed and
    acknowledged (iot.alarms.cases_deferred)."""
    return alarms.open_cases(alarm_ids)


@db_periodic_task(crontab(minute="*"))
def open_missing_alarm_cases() -> int:
    """Every minute: alarms whose deferred case opening was lost (iot.alarms.open_missing_cases)."""
    opened = alarms.open_missing_cases()
    if opened:
        logger.warning("IoT: opened %d alarm cases the deferred path had missed", opened)
    return opened


@db_periodic_task(crontab(minute="17", hour="2"))
def maintain_reading_partitions() -> dict:
    """Daily at 02:17: the coming months' reading partitions, and the retention
    (iot.partitions; READINGS_RETENTION_MONTHS)."""
    from iot import partitions

    done = partitions.maintain()
    if done.created or done.dropped or done.deleted:
        logger.info(
            "Readings: partitions created %s, dropped %s, %d old readings deleted",
            done.created, done.dropped, done.deleted,
        )  # fmt: skip
    return {"created": done.created, "dropped": done.dropped, "deleted": done.deleted}
