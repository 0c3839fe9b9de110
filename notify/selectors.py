"""Reads on the outbox: what is due for a delivery attempt, what a case's reporter was told."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from notify.models import MessageStatus, OutboxMessage

DUE_STATUSES = (MessageStatus.QUEUED, MessageStatus.FAILED)


def due_message_ids(*, now: datetime, limit: int) -> list[int]:
    """Ids of messages whose next attempt is due, longest waiting first."""
    return list(
        OutboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def case_notifications(*, case) -> QuerySet[OutboxMessage]:
    """Every message sent (or being sent) about ``case``, oldest first (the case page)."""
    return OutboxMessage.objects.filter(case=case).order_by("created_at", "pk")
