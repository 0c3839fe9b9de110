"""A component's state follows its cases (cases.hooks, after commit): filing (立案) a case about
an intact component marks it 破损 (damaged); closing (结案) one marks a damaged or lost component
完好 (intact) again. Each change is in the component's history with the case."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases import hooks
from cases.models import Case
from cases.states import OPEN_CASE_STATUSES, CaseAction
from components.models import ChangeSource, Component, ComponentChange, ComponentState

# action -> (states it changes, the state after)
FOLLOWS = {
    CaseAction.FILE: ((ComponentState.INTACT,), ComponentState.DAMAGED),
    CaseAction.CLOSE: ((ComponentState.DAMAGED, ComponentState.LOST), ComponentState.INTACT),
}


def on_case_move(*, case, event) -> None:
    if not case.component_id:
        return
    states, after = FOLLOWS[event.action]
    with transaction.atomic():
        component = Component.objects.select_for_update().filter(pk=case.component_id).first()
        if component is None or component.state not in states:
            return
        if (
            event.action == CaseAction.CLOSE
            and Case.objects.filter(component_id=component.pk, status__in=OPEN_CASE_STATUSES)
            .exclude(pk=case.pk)
            .exists()
        ):
            return  # another open case still says it is broken
        before = component.state
        Component.objects.filter(pk=component.pk).update(
            state=after, changed_date=timezone.localdate(event.at), updated_at=event.at
        )
        ComponentChange.objects.create(
            component=component,
            at=event.at,
            source=ChangeSource.CASE,
            reference=case.number,
            fields={"state": [before, after.value]},
            by=event.actor,
            case=case,
        )


def connect() -> None:
    for action in FOLLOWS:
        hooks.subscribe(action, on_case_move)


def disconnect() -> None:
    for action in FOLLOWS:
        hooks.unsubscribe(action, on_case_move)
