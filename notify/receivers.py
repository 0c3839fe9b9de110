"""Tell the reporter about their case (告知反映人): when it is filed (立案), closed (结案) or
refused (不予受理, with the reason).

Subscribed to ``cases.hooks``, which call us after the move has committed; the messages go
through the outbox, so a failed SMS is retried and never touches the case. Each SMS carries the
recipient's own tracking link (portal.tracking): it opens that case only, as that reporter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps

from cases import hooks
from cases.states import CaseAction
from core.errors import ValidationFailed
from notify import messages, services
from notify.models import MessageKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    kind: str  # MessageKind value
    to: str


def case_recipients(case) -> list[Recipient]:
    """Who is told about ``case``: its reporter and the reporters of every intake report
    attached to it (duplicates, merged cases), each by SMS, or by email when no phone was left,
    each contact once (the dedupe key carries the recipient).
    """
    contacts = [(case.reporter_phone, case.reporter_email)]
    if apps.is_installed("intake"):
        # Every report attached to the case (duplicates, merged cases), oldest first.
        from intake.selectors import reporter_contacts

        contacts += reporter_contacts(case)
    found: list[Recipient] = []
    for phone, email in contacts:
        phone, email = (phone or "").strip(), (email or "").strip()
        if phone:
            recipient = Recipient(kind=MessageKind.SMS, to=phone)
        elif email:
            recipient = Recipient(kind=MessageKind.EMAIL, to=email)
        else:
            continue
        if recipient not in found:
            found.append(recipient)
    return found


def tracking_link(case, recipient: Recipient) -> str:
    """The absolute tracking link of an SMS recipient's report on ``case``, or "" (an email,
    no portal, or a number that neither a report on the case nor the case itself was made with;
    a case staff reported directly, 直接上报, gets its report here: portal.tracking)."""
    if recipient.kind != MessageKind.SMS or not apps.is_installed("portal"):
        return ""
    from portal.tracking import tracking_url

    return tracking_url(case=case, phone=recipient.to)


def tell_recipients(case, *, action: str, compose: Callable[..., messages.Text]) -> int:
    """Queue ``compose(case, link=...)`` for every recipient of ``case``, once per (case, move,
    recipient)."""
    queued = 0
    for recipient in case_recipients(case):
        text = compose(case, link=tracking_link(case, recipient))
        try:
            services.enqueue(
                kind=recipient.kind,
                to=recipient.to,
                subject=text.subject,
                body=text.body,
                case=case,
                dedupe_key=f"case:{case.pk}:{action}:{recipient.kind}:{recipient.to}",
            )
        except ValidationFailed as exc:
            # A reporter's mistyped phone number must not stop the others; say so loudly.
            logger.warning("notify: case %s: not telling %r: %s", case.number, recipient.to, exc)
            continue
        queued += 1
    return queued


def on_case_filed(*, case, event) -> None:
    tell_recipients(case, action=CaseAction.FILE, compose=messages.case_filed)


def on_case_closed(*, case, event) -> None:
    tell_recipients(case, action=CaseAction.CLOSE, compose=messages.case_closed)


def on_case_refused(*, case, event) -> None:
    def compose(case, *, link: str = "") -> messages.Text:
        return messages.case_refused(case, reason=event.reason, link=link)

    tell_recipients(case, action=CaseAction.REFUSE, compose=compose)


SUBSCRIPTIONS: tuple[tuple[str, Callable[..., None]], ...] = (
    (CaseAction.FILE, on_case_filed),
    (CaseAction.CLOSE, on_case_closed),
    (CaseAction.REFUSE, on_case_refused),
)


def connect() -> None:
    """Subscribe to the case moves (idempotent: hooks.subscribe ignores a second call)."""
    for action, fn in SUBSCRIPTIONS:
        hooks.subscribe(action, fn)


def disconnect() -> None:
    for action, fn in SUBSCRIPTIONS:
        hooks.unsubscribe(action, fn)
