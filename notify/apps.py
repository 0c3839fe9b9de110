from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("Notifications (通知)")

    def ready(self) -> None:
        # Subscribe to the case moves the reporter hears about (立案, 结案) and register checks.
        from notify import checks, receivers  # noqa: F401

        receivers.connect()
