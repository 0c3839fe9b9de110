"""``manage.py import_devices FILE``: register or update devices from CSV or GeoJSON.

CSV header: code,type[,name,lon,lat,crs,address,department,category,token]; GeoJSON: a
FeatureCollection of Point features with the same properties. ``category`` is kind:code
(event:01002). All or nothing: every wrong line is listed and nothing is written. New devices'
tokens are shown once: ``--tokens-out FILE`` writes them as CSV (code,token) instead of printing.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ValidationFailed
from iot import services


class Command(BaseCommand):
    help = "Register or update devices from a CSV or GeoJSON file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", choices=["csv", "geojson"], default=None)
        parser.add_argument("--tokens-out", default="", help="write new tokens here (CSV)")

    def handle(self, *args, path: str, format: str | None, tokens_out: str, **options) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        fmt = format or ("geojson" if file.suffix.lower() in (".geojson", ".json") else "csv")
        try:
            rows = services.read_rows(file.read_bytes(), fmt=fmt)
            report = services.device_import(rows=rows)
        except ValidationFailed as exc:
            for line in exc.details.get("errors", []):
                self.stderr.write(f"{path}: {line}")
            raise CommandError(f"{path}: {exc.message}") from None
        self.stdout.write(
            f"{path}: {len(report.created)} devices created, {len(report.updated)} updated."
        )
        if not report.created:
            return
        if tokens_out:
            fd = os.open(tokens_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["code", "token"])
                writer.writerows(report.created)
            self.stdout.write(f"Tokens of the new devices written to {tokens_out} (shown once).")
        else:
            self.stdout.write("Tokens of the new devices (shown once):")
            for code, token in report.created:
                self.stdout.write(f"  {code}\t{token}")
