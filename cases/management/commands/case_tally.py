"""``manage.py case_tally [--dry-run]``: count the cases per area path, source channel and status
and compare with the tallies the database keeps (cases.tally); make them right unless
``--dry-run``. The worker runs it each night. Exit status 1 when a tally differed, so a cron
or CI notices."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases import tally


class Command(BaseCommand):
    help = "Check the case tallies (案件计数) against the cases and make them right."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")

    def handle(self, *args, dry_run=False, **options):
        wrong = tally.check(fix=not dry_run)
        self.stdout.write(f"case tallies that differed from the cases: {len(wrong) or 'none'}")
        for difference in wrong:
            self.stdout.write(f"  {difference}")
        if wrong:
            raise SystemExit(1)
