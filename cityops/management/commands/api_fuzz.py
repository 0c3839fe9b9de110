"""``manage.py api_fuzz [--examples 150] [--seed 1] [--user admin] [--case NUMBER]``: the release
check of the API (cityops.fuzz): generated requests at every operation of the OpenAPI document,
sent in-process as ``--user``; fails on any 5xx, undocumented status or answer that does not match
its schema. The generated moves really happen: run it on a copy (the demo city), never on live
data. Needs the development dependencies (schemathesis)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client


class Command(BaseCommand):
    help = "Throw generated requests at the whole API; fail on 5xx or schema mismatches."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--examples", type=int, default=150, help="requests per operation")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--user", default="", help="username (default: the first superuser)")
        parser.add_argument("--case", default="", help="a case number to aim the moves at")

    def handle(self, *args, examples: int, seed: int, user: str, case: str, **options) -> None:
        try:
            from cityops.fuzz import fuzz
        except ImportError as exc:  # pragma: no cover - the dev extra is missing
            raise CommandError(f"api_fuzz needs the dev dependencies: {exc}") from None
        # Thousands of expected 404/422s are the point, not news.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        users = get_user_model().objects
        account = (
            users.filter(username=user).first()
            if user
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if account is None:
            raise CommandError(f"No user {user!r}." if user else "No superuser; pass --user.")
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
        client = Client(SERVER_NAME=host.lstrip("."))
        client.force_login(account)
        spec = client.get("/api/v1/openapi.json").json()
        ids = {}
        if case:
            from cases.models import Case, Task

            found = Case.objects.filter(number=case).first()
            if found is None:
                raise CommandError(f"No case {case}.")
            ids["number"] = found.number
            task = Task.objects.filter(case=found).order_by("pk").first()
            if task is not None:
                ids["task_id"] = task.pk
        result = fuzz(
            spec,
            client,
            examples=examples,
            seed=seed,
            ids=ids,
            progress=lambda where: (
                self.stderr.write(f"  {where}") if options["verbosity"] > 1 else None
            ),
        )
        self.stdout.write(
            f"{result.requests} requests to {result.operations} operations, "
            f"{len(result.failures)} failing"
        )
        for failure in result.failures:
            self.stdout.write(f"  {failure}")
        if result.failures:
            raise CommandError(f"{len(result.failures)} operations failed.")
