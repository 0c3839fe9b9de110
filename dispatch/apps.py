from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch (派遣与督办)")

    def ready(self) -> None:
        # Tell the lead department when a co-department returns its share (协办回退).
        from dispatch import receivers

        receivers.connect()
