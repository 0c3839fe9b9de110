"""The outbox (通知发件箱) and the SMS sink (短信沙箱).

Delivery state lives here, apart from the case workflow (FixMyStreet keeps "sent to the council"
apart from the report's state too): a message is written in the caller's transaction, delivered
after commit, retried with backoff, and a failure never touches the case.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped

TO_MAX_LENGTH = 500  # a webhook URL is the longest recipient
SUBJECT_MAX_LENGTH = 200
DEDUPE_KEY_MAX_LENGTH = 300


class MessageKind(models.TextChoices):
    SMS = "sms", _("SMS 短信")
    EMAIL = "email", _("Email 邮件")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    # queued also covers "being sent": a worker claims a message by pushing next_attempt_at
    # forward (a lease), so a crashed send is picked up again once the lease runs out.
    QUEUED = "queued", _("Queued 待发送")
    SENT = "sent", _("Sent 已发送")
    FAILED = "failed", _("Failed, will retry 失败待重试")
    DEAD = "dead", _("Dead, gave up 放弃发送")


class OutboxMessage(TimeStamped):
    """One message to one recipient on one channel (发件箱消息)."""

    kind = models.CharField(_("channel"), max_length=10, choices=MessageKind.choices)
    to = models.CharField(
        _("to"),
        max_length=TO_MAX_LENGTH,
        blank=True,
        help_text=_("Phone number, email address or webhook URL (blank: the configured URL)."),
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, blank=True)
    body = models.TextField(_("body"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        # The record of what a citizen was told outlives the case row.
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    result = models.CharField(
        _("channel reference"),
        max_length=200,
        blank=True,
        help_text=_("What the channel answered, e.g. the sink row or the HTTP status."),
    )
    # NULL for messages that may repeat; NULLs never collide in a unique index.
    dedupe_key = models.CharField(
        _("deduplication key"), max_length=DEDUPE_KEY_MAX_LENGTH, unique=True, null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The retry scanner: due messages of a status, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="notify_outbox_due"),
        ]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.kind} to {self.to or '-'}: {self.status}"


class SmsSinkMessage(models.Model):
    """An SMS the sink channel would have sent (短信沙箱): no gateway, just a row to read."""

    outbox = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("outbox message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sink_rows",
    )
    sender = models.CharField(_("sender signature"), max_length=60, blank=True)
    to = models.CharField(_("to"), max_length=TO_MAX_LENGTH)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS sink message")
        verbose_name_plural = _("SMS sink messages")

    def __str__(self) -> str:
        return f"SMS to {self.to}"

    @property
    def segments(self) -> int:
        """How many SMS this body costs: 70 characters fit one, longer ones go in parts of 67."""
        length = len(self.sender) + 2 + len(self.body)  # the 【signature】 counts too
        return 1 if length <= SMS_SINGLE_LENGTH else -(-length // SMS_PART_LENGTH)


# GSM 03.38 / UCS-2: one Chinese SMS holds 70 characters; concatenated parts carry 67 each.
SMS_SINGLE_LENGTH = 70
SMS_PART_LENGTH = 67
