from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "areas"
    verbose_name = _("Areas and grids (五级)")

    def ready(self) -> None:
        from areas import signals  # noqa: F401  (refresh the spatial index when grids change)
