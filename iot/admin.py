"""Admin for the sensing app: device types with their rules, devices (tokens shown once),
alarms with their history, refused payloads and unknown senders."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from iot import services
from iot.models import (
    Alarm,
    AlarmEvent,
    AlarmRule,
    DeadLetter,
    Device,
    DeviceMetricState,
    DeviceType,
    UnknownDevice,
)
from iot.tracking import admin as tracking_admin  # noqa: F401  (registers the tracking models)


class TypeRuleInline(admin.TabularInline):
    model = AlarmRule
    fk_name = "device_type"
    fields = (
        "key",
        "name",
        "kind",
        "metric",
        "operator",
        "threshold",
        "clear_threshold",
        "count",
        "duration_seconds",
        "severity",
        "open_case",
        "category",
        "is_active",
    )
    raw_id_fields = ("category",)
    extra = 0
    show_change_link = True


@admin.register(DeviceType)
class DeviceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "offline_minutes")
    search_fields = ("code", "name")
    inlines = [TypeRuleInline]


class LatestInline(admin.TabularInline):
    model = DeviceMetricState
    fields = ("metric", "ts", "value", "value_str", "value_bool", "unit")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "device_type",
        "grid",
        "department",
        "is_active",
        "is_online",
        "last_seen_at",
        "battery",
    )
    list_filter = ("device_type", "is_online", "is_active")
    search_fields = ("code", "name", "address")
    raw_id_fields = ("grid", "department", "category")
    readonly_fields = ("token_prefix", "grid", "area_path", "last_seen_at", "is_online", "battery")
    inlines = [LatestInline]
    actions = ["rotate_tokens"]

    def save_model(self, request, obj: Device, form, change: bool) -> None:
        if not change:
            token = services.new_token()
            services.assign_token(obj, token)
            messages.warning(
                request,
                _("Token of %(code)s (shown once): %(token)s") % {"code": obj.code, "token": token},
            )
        if obj.lon is not None and obj.lat is not None:
            services.place_device(obj, lon=obj.lon, lat=obj.lat, crs="wgs84")
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Issue new tokens (the old ones stop working)"))
    def rotate_tokens(self, request, queryset) -> None:
        for device in queryset:
            token = services.device_rotate_token(device=device)
            messages.warning(
                request,
                _("Token of %(code)s (shown once): %(token)s")
                % {"code": device.code, "token": token},
            )


@admin.register(AlarmRule)
class AlarmRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key",
        "device_type",
        "device",
        "kind",
        "metric",
        "operator",
        "threshold",
        "clear_threshold",
        "severity",
        "open_case",
        "is_active",
    )
    list_filter = ("device_type", "kind", "severity", "open_case", "is_active")
    search_fields = ("name", "key", "metric")
    raw_id_fields = ("device", "category")


class AlarmEventInline(admin.TabularInline):
    model = AlarmEvent
    fields = ("at", "action", "actor", "note", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "rule",
        "device",
        "severity",
        "status",
        "started_at",
        "last_triggered_at",
        "last_value",
        "trigger_count",
        "case",
    )
    list_filter = ("status", "severity", "rule__device_type")
    search_fields = ("device__code", "rule__name", "case__number")
    readonly_fields = [f.name for f in Alarm._meta.fields]
    inlines = [AlarmEventInline]

    def has_add_permission(self, request) -> bool:
        return False  # alarms come from rules; acknowledge/clear go through iot.alarms


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("received_at", "channel", "topic", "device", "reason")
    list_filter = ("channel",)
    search_fields = ("topic", "reason", "device__code")
    readonly_fields = ("received_at", "channel", "topic", "device", "payload", "reason")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(UnknownDevice)
class UnknownDeviceAdmin(admin.ModelAdmin):
    list_display = ("code", "channel", "count", "first_seen_at", "last_seen_at")
    search_fields = ("code",)
    readonly_fields = ("code", "channel", "count", "first_seen_at", "last_seen_at")

    def has_add_permission(self, request) -> bool:
        return False
