from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignsConfig(AppConfig):
    name = "signs"
    verbose_name = _("City sign index (城市运行体征)")
