"""Huey tasks: thin wrappers around notify.services.

Import-safe without a queue: when ``huey.contrib.djhuey`` is not installed the same names are
plain functions that run in the caller's thread (notify.services then delivers inline after
commit and nothing schedules ``retry_due``; run ``manage.py notify_retry`` from cron instead).
"""

from __future__ import annotations

from django.conf import settings

from notify import services

QUEUE_APP = "huey.contrib.djhuey"

if QUEUE_APP in settings.INSTALLED_APPS:
    from huey import crontab
    from huey.contrib.djhuey import db_periodic_task, db_task

    @db_task()
    def deliver_outbox(message_id: int) -> None:
        """One delivery attempt of outbox message ``message_id`` (retries are the outbox's)."""
        services.deliver(message_id)

    @db_periodic_task(crontab(minute="*"))
    def retry_due() -> None:
        """Every minute: attempt the messages whose backoff has run out."""
        services.retry_due()

else:

    def deliver_outbox(message_id: int) -> None:
        services.deliver(message_id)

    def retry_due() -> None:
        services.retry_due()
