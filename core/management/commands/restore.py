"""``manage.py restore ARCHIVE [--replace]``: load a ``manage.py backup`` archive into the
configured database and MEDIA_ROOT, and check every table against the archive's manifest
(core.backup). Stop the site (``serve``) first."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and MEDIA_ROOT from a backup archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds cases",
        )

    def handle(self, *args, archive: str, replace: bool, **options) -> None:
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No backup archive at {path}.")
        try:
            done = restore(path, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored {done.tables} tables ({done.rows} rows, as in the backup) and "
            f"{done.files} files from {path}."
        )
