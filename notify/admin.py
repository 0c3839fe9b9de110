"""Admin: the outbox (read, filter, retry) and the SMS sink (read only).

Messages are written by notify.services.enqueue only; here they can be looked at and, when
failed or dead, sent again ("retry now") through notify.services.retry_now.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notify import services
from notify.models import OutboxMessage, SmsSinkMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "case",
    )
    list_filter = ("status", "kind")
    search_fields = ("to", "subject", "dedupe_key", "case__number")
    date_hierarchy = "created_at"
    list_select_related = ("case",)
    raw_id_fields = ("case",)
    actions = ("retry_now",)

    def has_retry_permission(self, request) -> bool:
        # The rows are read-only, but whoever may change them may ask for another attempt.
        return request.user.has_perm("notify.change_outboxmessage")

    @admin.action(description=_("Retry now (failed or dead messages)"), permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        count = services.retry_now(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued for another attempt.",
                "%(count)d messages queued for another attempt.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(SmsSinkMessage)
class SmsSinkMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to", "sender", "body", "segments", "outbox")
    search_fields = ("to", "body")
    date_hierarchy = "created_at"
    list_select_related = ("outbox",)

    @admin.display(description=_("SMS parts"))
    def segments(self, obj: SmsSinkMessage) -> int:
        return obj.segments
