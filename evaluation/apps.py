from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation (综合评价)")

    def ready(self) -> None:
        # Task facts follow the case moves that change what evaluation counts (after commit).
        from evaluation import receivers

        receivers.connect()
