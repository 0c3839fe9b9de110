"""``manage.py backup [--output var/backups]``: the database and the uploaded files in one archive
(core.backup). Prints the archive's path; run it from cron or a systemd timer."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup, read_manifest


class Command(BaseCommand):
    help = "Back up the database and MEDIA_ROOT into one .tar.gz archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", default="", help="directory for the archive (default: var/backups)"
        )

    def handle(self, *args, output: str, **options) -> None:
        directory = Path(output) if output else Path(settings.VAR_DIR) / "backups"
        try:
            archive = backup(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = read_manifest(archive)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{archive}: {manifest['engine']} database, {len(manifest['tables'])} tables, "
            f"{rows} rows, {manifest['media_files']} files"
        )
