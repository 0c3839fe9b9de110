"""Attempt every due outbox message once (for cron when no huey consumer runs the periodic job)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notify import services


class Command(BaseCommand):
    help = "Attempt every due outbox message (queued, or failed and past its backoff)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=services.RETRY_BATCH)

    def handle(self, *args, limit: int, **options):
        tried = services.retry_due(limit=limit)
        self.stdout.write(f"{tried} message(s) attempted")
