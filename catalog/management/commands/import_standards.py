"""``manage.py import_standards FILE``: filing standards (立结案标准) from CSV or xlsx."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog import services


class Command(BaseCommand):
    help = (
        "Import filing standards (立案条件, 结案条件, time limit + unit, A/B/C limits) from a CSV "
        "or xlsx file. All or nothing: every bad row is reported with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="CSV (UTF-8) or .xlsx with the columns of filing_standards.csv"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, then roll back"
        )

    def handle(self, *args, **options):
        try:
            result = services.import_standards(path=options["file"], dry_run=options["dry_run"])
        except services.CatalogFileError as exc:
            raise CommandError(exc.message) from exc
        units = ", ".join(f"{unit} {n}" for unit, n in sorted(result.by_unit.items()))
        prefix = "Dry run, nothing written. " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}Standards: {result.in_file} in file ({units}); created {result.created}, "
            f"updated {result.updated}, unchanged {result.unchanged}."
        )
