"""``manage.py import_areas FILE``: areas and unit grids (单元网格) from GeoJSON, all or nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from areas import services
from core.coords import CRS_CHOICES


class Command(BaseCommand):
    help = (
        "Import administrative areas (市/区/街道/社区) and unit grids from a GeoJSON "
        "FeatureCollection. All or nothing: every bad feature is reported with its position, "
        "code and reason. Upserts by code, so re-importing a file is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection (see areas/services.py)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, then roll back"
        )
        parser.add_argument(
            "--crs",
            default="wgs84",
            choices=CRS_CHOICES,
            help="coordinate system of the file; stored as WGS-84 (default: wgs84)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            features = services.read_feature_collection(options["file"])
            steps = len(features) * (1 if options["dry_run"] else 2)
            with tqdm(
                total=steps,
                desc="areas",
                unit="feature",
                disable=options["no_progress"],
                file=self.stderr._out,
            ) as bar:
                result = services.import_areas(
                    features=features,
                    crs=options["crs"],
                    dry_run=options["dry_run"],
                    progress=bar.update,
                )
        except services.AreaImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Nothing imported from {options['file']}: {len(exc.problems)} problem(s), "
                f"first: {exc.problems[0]}"
            ) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{result.summary()}."))
