"""Huey task: a large uploaded file is imported by the queue's worker, not in the request.

Import-safe without a queue: when ``huey.contrib.djhuey`` is not installed ``import_run`` is a
plain function that runs in the caller's thread.
"""

from __future__ import annotations

from django.conf import settings

from hotline import services

QUEUE_APP = "huey.contrib.djhuey"

if QUEUE_APP in settings.INSTALLED_APPS:
    from huey.contrib.djhuey import db_task

    @db_task()
    def import_run(run_id: int) -> None:
        """Import the uploaded file of ImportRun ``run_id`` (once: a retry finds it started)."""
        services.run_import(run_id)

else:

    def import_run(run_id: int) -> None:
        services.run_import(run_id)
