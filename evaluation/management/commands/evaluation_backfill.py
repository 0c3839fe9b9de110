"""``manage.py evaluation_backfill [--from DATE] [--to DATE]``: write the evaluation facts (of
the filed cases and their tasks, and the staff's steps: post facts 岗位) of the cases reported in
the range (all by default), e.g. after a historical import, on first install, or after the post
time limits changed."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from cases.models import Case
from core.dates import day_option
from evaluation import posts
from evaluation.facts import backfill


class Command(BaseCommand):
    help = "Write the evaluation facts (考核事实) of the cases reported in a date range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="since", help="first report date, YYYY-MM-DD")
        parser.add_argument("--to", dest="until", help="last report date, YYYY-MM-DD")

    def handle(self, *args, since=None, until=None, **options):
        cases = Case.objects.all()
        tz = timezone.get_current_timezone()
        if since:
            start = datetime.combine(day_option(since, option="--from"), time.min, tzinfo=tz)
            cases = cases.filter(reported_at__gte=start)
        if until:
            end = datetime.combine(day_option(until, option="--to"), time.max, tzinfo=tz)
            cases = cases.filter(reported_at__lte=end)
        total = cases.filter(filed_at__isnull=False).count()
        quiet = options.get("verbosity", 1) < 1
        with tqdm(total=total, unit="case", disable=quiet, desc="tasks, cases") as bar:
            written = backfill(cases, progress=bar.update)
        self.stdout.write(
            f"{written} facts (tasks and cases) checked for {total} filed cases; "
            "those that differed from the stored ones written."
        )
        reported = cases.count()
        with tqdm(total=reported, unit="case", disable=quiet, desc="posts") as bar:
            steps = posts.backfill(cases, progress=bar.update)
        self.stdout.write(f"{steps} post facts (岗位) written for {reported} cases.")
