"""Model guards: the audit trail is append-only; a plain save never overwrites a move."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent
from cases.states import CaseStatus


def test_events_cannot_be_changed_or_deleted(flow):
    case = flow.reported()
    event = CaseEvent.objects.get(case=case)
    event.note = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        CaseEvent.objects.filter(case=case).update(note="x")
    with pytest.raises(TypeError, match="append-only"):
        CaseEvent.objects.filter(case=case).delete()


def test_saving_an_old_copy_does_not_undo_a_move(flow):
    case = flow.filed()
    old = Case.objects.get(pk=case.pk)
    old.status = CaseStatus.REPORTED
    old.address = "Corrected address"
    old.save()
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.address) == (CaseStatus.FILED, "Corrected address")
