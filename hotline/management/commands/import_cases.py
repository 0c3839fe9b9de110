"""``manage.py import_cases FILE --source hotline_12345 [--profile NAME] [--historical] [--dry-run]``

Imports a hotline export (CSV or xlsx) with a progress bar, prints the summary, and lists the
first rejected rows (all of them are kept on the ImportRun, downloadable from the admin, or
written with ``--rejects FILE``). Exit status 1 when the file could not be imported at all.
"""

from __future__ import annotations

import csv

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases.states import SourceChannel
from core.errors import DomainError
from hotline import selectors, services
from hotline.historical import DEFAULT_BATCH
from hotline.models import RunStatus

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import hotline work orders (12345 / 110 非警务 / 81890) from CSV or xlsx: live (each row "
        "reported through intake) or --historical (finished cases with their timelines, in bulk). "
        "Re-running a file adds nothing: rows whose work-order number was imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, UTF-8 BOM or GB18030) or xlsx file")
        parser.add_argument(
            "--source",
            default="",
            choices=SourceChannel.values,
            metavar="SOURCE",
            help="source channel when the file has no 来电类型 column (default: the profile's, "
            "else hotline_12345)",
        )
        parser.add_argument("--profile", default="", help="name of a saved import profile")
        parser.add_argument(
            "--historical",
            action="store_true",
            help="load finished cases with full timelines (bulk; no notifications)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write none")
        parser.add_argument("--user", default="", help="username recorded as the importer")
        parser.add_argument("--rejects", default="", help="also write rejected rows to this CSV")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH, help="historical rows per batch"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            profile = services.profile_named(options["profile"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        bar = tqdm(
            unit=" rows",
            disable=options["no_progress"] or options["verbosity"] == 0,
            file=self.stderr._out,
            smoothing=0.1,
        )

        def on_total(total):
            bar.total = total
            bar.refresh()

        try:
            run = services.import_file(
                path=options["file"],
                source=options["source"],
                profile=profile,
                historical=options["historical"],
                dry_run=options["dry_run"],
                actor=actor,
                progress=bar.update,
                on_total=on_total,
                batch_size=options["batch_size"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"Cannot open {options['file']}: {exc.strerror}.") from exc
        finally:
            bar.close()
        self.stdout.write(f"Import run {run.pk}: {services.summary(run)}")
        shown = list(run.rejections.all()[:SHOWN_REJECTIONS])
        for rejection in shown:
            self.stdout.write(f"  line {rejection.line}: {rejection.reason}")
        if run.rejected > len(shown):
            self.stdout.write(
                f"  ... {run.rejected - len(shown)} more; all rejected rows: admin > import runs "
                f"> run {run.pk} > rejected rows CSV, or --rejects FILE."
            )
        for note in run.notes.all()[:SHOWN_REJECTIONS]:
            cut = ", ".join(
                f"{name} {f['length']} -> {f['kept']} characters" for name, f in note.fields.items()
            )
            self.stdout.write(f"  line {note.line}: cut {cut} (full text kept in the run's notes)")
        if options["rejects"]:
            with open(options["rejects"], "w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(selectors.rejections_csv_rows(run))
        if run.status == RunStatus.FAILED:
            raise CommandError(run.error)
