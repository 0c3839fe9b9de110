from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IotConfig(AppConfig):
    name = "iot"
    verbose_name = _("Sensing (IoT devices, telemetry, alarms)")

    def ready(self) -> None:
        # A case opened by an alarm may pass its check by itself once the sensor confirms the fix.
        from iot import receivers

        receivers.connect()
