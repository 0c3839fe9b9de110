from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch (派遣与督办)")

    def ready(self) -> None:
        # Tell the lead department when a co-department returns its share (协办回退).
        from cases import panels
        from cases.api_selectors import register_department_reach
        from dispatch import moves, queues, receivers, selectors, services

        receivers.connect()
        queues.register()
        # A department sees the cases escalated to it (升级督办), not only its own tasks.
        register_department_reach(selectors.escalated_case_ids)
        # 督办 and its reply are task moves of the case's move table, with dispatch's rules.
        moves.register()
        # The case pages' routing suggestion and routed dispatch, and the 督办 notes on the
        # disposer's cards (cases.panels), without cases importing dispatch.
        panels.register_router(suggest=selectors.suggest_departments, route=services.route)
        panels.register_task_notes(selectors.reply_notes)
