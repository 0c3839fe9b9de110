"""``manage.py readings_partitions [--retention-months N] [--ahead 3]``: keep the readings table
in shape (iot.partitions): on PostgreSQL the coming months' partitions are created and, with a
retention, the months older than it are dropped; on SQLite old readings are deleted. The worker
runs it daily with ``READINGS_RETENTION_MONTHS`` (0 keeps everything)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from iot import partitions


class Command(BaseCommand):
    help = "Create the coming months' reading partitions and drop those past the retention."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--retention-months",
            type=int,
            default=None,
            help="keep this many months before the current one (0: all; default: setting)",
        )
        parser.add_argument("--ahead", type=int, default=partitions.AHEAD_MONTHS)

    def handle(self, *args, retention_months, ahead, **options):
        if retention_months is not None and retention_months < 0:
            raise CommandError("--retention-months: 0 (keep everything) or more.")
        if not 0 <= ahead <= 24:
            raise CommandError("--ahead: 0 to 24 months.")
        done = partitions.maintain(retention_months=retention_months, ahead=ahead)
        if done.partitioned:
            self.stdout.write(
                f"Partitions created: {', '.join(done.created) or 'none'} "
                f"({done.moved} readings moved out of the default partition); "
                f"dropped: {', '.join(done.dropped) or 'none'}; "
                f"{done.deleted} old readings deleted from the default partition."
            )
        else:
            self.stdout.write(f"Not partitioned (SQLite): {done.deleted} old readings deleted.")
