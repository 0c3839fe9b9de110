"""``manage.py load_catalog``: upsert the GB/T 47678.5 directory and the citizen plain names."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog import services


class Command(BaseCommand):
    help = (
        "Load the GB/T 47678.5-2026 categories (部件/事项) and their plain names. Idempotent: "
        "upserts by (kind, code) and never deletes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(services.CATEGORIES_FILE), help="categories CSV")
        parser.add_argument(
            "--plain-names", default=str(services.PLAIN_NAMES_FILE), help="plain names CSV"
        )
        parser.add_argument(
            "--no-plain-names", action="store_true", help="load the categories only"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="mark national categories that are not in the file inactive",
        )
        parser.add_argument(
            "--overwrite-plain-names",
            action="store_true",
            help="replace plain names/keywords edited in the admin (default: fill blanks only)",
        )

    def handle(self, *args, **options):
        try:
            result = services.load_categories(
                path=options["file"], deactivate_missing=options["deactivate_missing"]
            )
            kinds = result.by_kind
            self.stdout.write(
                f"Categories: {result.in_file} in file ({kinds.get('component', 0)} components "
                f"部件, {kinds.get('event', 0)} matters 事项); created {result.created}, "
                f"updated {result.updated}, unchanged {result.unchanged}, "
                f"deactivated {result.deactivated}."
            )
            if not options["no_plain_names"]:
                names = services.load_plain_names(
                    path=options["plain_names"], overwrite=options["overwrite_plain_names"]
                )
                self.stdout.write(
                    f"Plain names: {names.in_file} in file; updated {names.updated}, "
                    f"unchanged {names.unchanged}."
                )
        except services.CatalogFileError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read the file: {exc}") from exc
