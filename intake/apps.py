from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake (受理)")

    def ready(self) -> None:
        # 合并 and 拆分 appear on the case page (cases.panels) without cases importing intake.
        from cases import panels
        from intake.pages import case_links

        panels.register(case_links)
