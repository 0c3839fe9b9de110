from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation (综合评价)")

    def ready(self) -> None:
        # Task facts follow the case moves that change what evaluation counts (after commit).
        from django.db.models.signals import post_delete, post_save

        from catalog.models import Category
        from evaluation import receivers
        from evaluation.facts import forget_categories

        receivers.connect()
        post_save.connect(forget_categories, sender=Category, dispatch_uid="evaluation-kinds")
        post_delete.connect(forget_categories, sender=Category, dispatch_uid="evaluation-kinds-del")
        from portal.models import Satisfaction

        post_save.connect(receivers.on_rated, sender=Satisfaction, dispatch_uid="evaluation-rated")
