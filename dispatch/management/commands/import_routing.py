"""``manage.py import_routing FILE --user NAME``: routing rules from CSV, all or nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from dispatch.importing import COLUMNS, import_rules


class Command(BaseCommand):
    help = (
        "Import routing rules (category x area -> department) from a UTF-8 CSV with the columns "
        f"{','.join(COLUMNS)}. All or nothing: every bad line is reported with its number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file")
        parser.add_argument(
            "--user", required=True, help="the administrator recorded in the rule history"
        )
        parser.add_argument("--dry-run", action="store_true", help="check, then roll back")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        try:
            count = import_rules(path=options["file"], actor=user, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        prefix = "Dry run, nothing written. " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}Routing rules: {count} imported.")
