"""``manage.py evaluation_reconcile [--day DATE | --all] [--dry-run] [--rollups]``: recompute the evaluation
facts from the cases and report every difference (evaluation.reconcile); the worker runs it each
night for yesterday. Exit status 1 when differences were found, so a cron or CI notices."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.dates import day_option
from evaluation import reconcile
from evaluation.rollups import check as rollup_check


class Command(BaseCommand):
    help = "Recompute evaluation facts from the cases and report (and fix) any difference."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--day", help="the cases touched on this day, YYYY-MM-DD (default: yesterday)"
        )
        which.add_argument("--all", action="store_true", help="every case")
        parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
        parser.add_argument(
            "--rollups",
            action="store_true",
            help="then check every rollup (日/月/年汇总) against the facts",
        )

    def handle(self, *args, day=None, all=False, dry_run=False, rollups=False, **options):
        if all:
            ids = reconcile.every_case()
        else:
            when = (
                day_option(day, option="--day") if day else timezone.localdate() - timedelta(days=1)
            )
            ids = reconcile.touched_on(when)
        report = reconcile.reconcile(ids, fix=not dry_run)
        self.stdout.write(str(report))
        for difference in report.differences:
            self.stdout.write(f"  {difference}")
        wrong = []
        if rollups:
            wrong = rollup_check(fix=not dry_run)
            self.stdout.write(f"rollup rows that differed from the facts: {len(wrong) or 'none'}")
            for difference in wrong:
                self.stdout.write(f"  {difference}")
        if report.differences or wrong:
            raise SystemExit(1)
