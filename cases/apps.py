from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases (案件)")

    def ready(self) -> None:
        from cases import tally

        # SQLite rebuilds a table for most schema changes and drops its triggers with it.
        post_migrate.connect(tally.keep_triggers, sender=self)
