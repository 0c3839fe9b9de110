"""Device registry 设备台账: device types (what is measured, in which unit) and devices."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped

# A device id travels as one MQTT topic level (cityops/telemetry/<device_id>): no "/", "+", "#".
DEVICE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
METRIC_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
TOKEN_PREFIX_LENGTH = 8

device_code_validator = RegexValidator(
    DEVICE_CODE_RE,
    _(
        "A device id is 1-64 letters, digits, '_', '.', ':' or '-' and starts with a letter or digit."
    ),
)


def metric_problems(metrics: object) -> list[str]:
    """What is wrong with a device type's metric list; empty when fine (shared by clean and import)."""
    if not isinstance(metrics, list):
        return [str(_("Metrics must be a list of {key, unit, label} objects."))]
    problems, seen = [], set()
    for i, item in enumerate(metrics, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            problems.append(str(_("Metric %(i)d: needs a 'key'.") % {"i": i}))
            continue
        key = item["key"]
        if not METRIC_KEY_RE.match(key):
            problems.append(
                str(_("Metric %(i)d: %(key)r is not a valid key.") % {"i": i, "key": key})
            )
        if key in seen:
            problems.append(str(_("Metric %(i)d: %(key)r is listed twice.") % {"i": i, "key": key}))
        seen.add(key)
        if not isinstance(item.get("unit", ""), str):
            problems.append(str(_("Metric %(i)d: the unit must be text.") % {"i": i}))
    return problems


class DeviceType(TimeStamped):
    """A kind of sensor 设备类型 (manhole cover, bin fill level, noise ...): metrics and units.

    ``metrics`` is a list of ``{"key": "tilt", "unit": "deg", "label": "Tilt angle"}``; units are
    SenML units (RFC 8428 Table 6, RFC 8798) where one exists. Default alarm rules are AlarmRule
    rows pointing at the type.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    metrics = models.JSONField(_("metrics"), default=list, blank=True)
    offline_minutes = models.PositiveIntegerField(
        _("offline after (minutes)"),
        null=True,
        blank=True,
        help_text=_("No data for this long marks a device offline; blank = IOT_OFFLINE_MINUTES."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("device type")
        verbose_name_plural = _("device types")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = metric_problems(self.metrics)
        if problems:
            raise ValidationError({"metrics": problems})

    def metric_units(self) -> dict[str, str]:
        return {m["key"]: m.get("unit", "") for m in self.metrics if isinstance(m, dict)}

    def metric_labels(self) -> dict[str, str]:
        """Metric key -> its label in the active language (Tilt angle 倾角 -> 倾角 in Chinese)."""
        from core.words import in_language

        return {
            m["key"]: in_language(m.get("label", m["key"]))
            for m in self.metrics
            if isinstance(m, dict) and "key" in m
        }


class Device(TimeStamped):
    """One sensor in the city 感知设备: where it is (-> grid), who owns it, how it is doing.

    ``code`` is the device id of the MQTT topic and of ``var/demo-credentials.json``. Only a
    SHA-256 digest of the device token is stored; the token is shown once when issued.
    """

    code = models.CharField(
        _("device id"), max_length=64, unique=True, validators=[device_code_validator]
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    device_type = models.ForeignKey(
        DeviceType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="devices"
    )
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "areas.UnitGrid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
    )
    # Denormalised grid path: scoping (org.selectors.scope) is a prefix test on one column.
    area_path = models.CharField(_("area path"), max_length=80, blank=True, db_index=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("case category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "What an alarm of this device reports (e.g. 污水井盖异常); blank = the rule's."
        ),
    )
    # The registered component the sensor watches (the cover's tilt sensor): its alarms' cases
    # name it, and its owner answers for them where routing goes owner first.
    component = models.ForeignKey(
        "components.Component",
        verbose_name=_("component watched"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(
        _("token prefix"), max_length=TOKEN_PREFIX_LENGTH, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    battery = models.FloatField(_("battery (%)"), null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class UnknownDevice(models.Model):
    """Telemetry refused because no active device has this id 未登记设备: counted, not stored.

    Operators see which unregistered senders are out there (and provision them) without the
    dead-letter table filling up with one row per message.
    """

    code = models.CharField(_("device id"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10)
    count = models.PositiveBigIntegerField(_("messages refused"), default=0)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("unknown device")
        verbose_name_plural = _("unknown devices")

    def __str__(self) -> str:
        return f"{self.code} ({self.count})"
