"""Reactions to case moves (cases.hooks, after commit), and to edits of devices and rules.

An alarm's case whose rule says ``auto_check_pass`` passes its on-site check (核查) by itself when
the sensor has confirmed the clear: at the clear if the case is already disposed, else as soon
as the department disposes it (this hook).

Saving or deleting a Device, DeviceType or AlarmRule empties the ingest caches of this process
(iot.ingest.cache), so the next batch reads them afresh.
"""

from __future__ import annotations

from cases import hooks
from cases.states import CaseAction


def on_case_disposed(*, case, event) -> None:
    from iot import alarms

    alarms.pass_check_if_confirmed(case=case)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from iot.ingest import cache
    from iot.models import AlarmRule, Device, DeviceType

    hooks.subscribe(CaseAction.DISPOSE, on_case_disposed)
    for model in (Device, DeviceType, AlarmRule):
        for signal in (post_save, post_delete):
            signal.connect(
                cache.invalidate, sender=model, dispatch_uid=f"iot-cache-{model.__name__}"
            )
