from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComponentsConfig(AppConfig):
    name = "components"
    verbose_name = _("Component register (部件普查)")

    def ready(self) -> None:
        from components import receivers

        receivers.connect()
