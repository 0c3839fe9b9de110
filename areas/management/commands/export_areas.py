"""``manage.py export_areas``: areas and unit grids as GeoJSON (what import_areas reads)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from areas.models import FEATURE_LEVELS
from areas.selectors import export_areas
from core.errors import DomainError


class Command(BaseCommand):
    help = "Export administrative areas and unit grids as a GeoJSON FeatureCollection (WGS-84)."

    def add_arguments(self, parser):
        parser.add_argument("--level", choices=FEATURE_LEVELS, help="only this level")
        parser.add_argument("--area", help="only this area's subtree (area code)")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        try:
            data = export_areas(level=options["level"], area=options["area"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        text = json.dumps(data, ensure_ascii=False)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(data['features'])} features written to {options['output']}.")
        else:
            self.stdout.write(text)
