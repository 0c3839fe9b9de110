"""Alarm rules 告警规则 and alarms 告警 (ThingsBoard semantics, see shared/reference/iot.md §2.1).

* A rule belongs to a device type (default for every device of the type) or to one device. A
  device rule with the same ``key`` as a type rule replaces it for that device.
* One open alarm per (device, rule): while it is open, new breaches update it, never duplicate
  it (partial unique constraint). A new alarm can only start after the previous one cleared.
* States: ``active`` -> ``acknowledged`` -> ``cleared``; ``active`` -> ``cleared`` also works.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold 阈值")
    OFFLINE = "offline", _("Offline 离线")
    # Track rules (iot.tracking.rules) of trackers' device types.
    SPEEDING = "speeding", _("Speeding 超速")
    OFF_ROUTE = "off_route", _("Off the approved route 偏离核准路线")
    FORBIDDEN_ZONE = "forbidden", _("Inside a forbidden zone 闯入禁行区")
    DWELL = "dwell", _("Long dwell 停留超时")
    OUT_OF_GRID = "off_grid", _("Badge out of its grids 离岗越界")


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", ">="
    LT = "lt", "<"
    LTE = "lte", "<="
    EQ = "eq", "="
    NE = "ne", "!="


class Severity(models.TextChoices):
    """ThingsBoard's five severities, most severe first."""

    CRITICAL = "critical", _("Critical 紧急")
    MAJOR = "major", _("Major 重要")
    MINOR = "minor", _("Minor 次要")
    WARNING = "warning", _("Warning 提示")
    INDETERMINATE = "indeterminate", _("Indeterminate 不确定")


class AlarmStatus(models.TextChoices):
    ACTIVE = "active", _("Active 活动")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged 已确认")
    CLEARED = "cleared", _("Cleared 已清除")


OPEN_ALARM_STATUSES = (AlarmStatus.ACTIVE, AlarmStatus.ACKNOWLEDGED)


class AlarmRule(TimeStamped):
    """When a metric's values raise an alarm, when they clear it, and what the alarm opens.

    Threshold rule: raise when ``value <operator> threshold`` held for ``count`` consecutive
    readings *and* ``duration_seconds``; clear (hysteresis) when the value is back on the safe
    side of ``clear_threshold`` (default: the threshold) for ``clear_count`` readings and
    ``clear_duration_seconds`` — a "confirmed clear". Offline rule: raise when the device sent
    nothing for its type's offline window; clear when data arrives.
    """

    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 井盖移位 Cover displaced"))
    device_type = models.ForeignKey(
        "iot.DeviceType",
        verbose_name=_("device type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
    )
    device = models.ForeignKey(
        "iot.Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=RuleKind.choices, default=RuleKind.THRESHOLD
    )
    metric = models.CharField(_("metric"), max_length=64, blank=True)
    operator = models.CharField(
        _("operator"), max_length=3, choices=Operator.choices, default=Operator.GT
    )
    threshold = models.FloatField(_("threshold"), default=0)
    clear_threshold = models.FloatField(
        _("clear threshold"),
        null=True,
        blank=True,
        help_text=_("Hysteresis: the value must come back past this to clear; blank = threshold."),
    )
    count = models.PositiveIntegerField(
        _("consecutive readings"), default=1, validators=[MinValueValidator(1)]
    )
    duration_seconds = models.PositiveIntegerField(_("held for (seconds)"), default=0)
    clear_count = models.PositiveIntegerField(
        _("consecutive readings to clear"), default=1, validators=[MinValueValidator(1)]
    )
    clear_duration_seconds = models.PositiveIntegerField(_("clear held for (seconds)"), default=0)
    severity = models.CharField(
        _("severity"), max_length=13, choices=Severity.choices, default=Severity.WARNING
    )
    open_case = models.BooleanField(
        _("open a case"), default=False, help_text=_("Report a case through intake when raised.")
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("case category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    auto_check_pass = models.BooleanField(
        _("pass the check on a confirmed clear"),
        default=False,
        help_text=_("The case's on-site check (核查) passes when the sensor confirms the fix."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["device_type", "device", "key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(device_type__isnull=True) ^ models.Q(device__isnull=True),
                name="iot_rule_type_xor_device",
            ),
            models.UniqueConstraint(
                fields=["device_type", "key"],
                condition=models.Q(device_type__isnull=False),
                name="iot_rule_type_key",
            ),
            models.UniqueConstraint(
                fields=["device", "key"],
                condition=models.Q(device__isnull=False),
                name="iot_rule_device_key",
            ),
        ]
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = {}
        if (self.device_type_id is None) == (self.device_id is None):
            problems["device_type"] = _("A rule belongs to a device type or to one device.")
        if self.kind == RuleKind.THRESHOLD and not self.metric:
            problems["metric"] = _("A threshold rule needs the metric it watches.")
        if self.open_case and self.category_id is None and self.device_id is None:
            problems["category"] = _("A rule that opens cases needs the case category.")
        if self.kind == RuleKind.THRESHOLD:
            from iot.rules import hysteresis_problem

            problem = hysteresis_problem(self.operator, self.threshold, self.clear_threshold)
            if problem:
                problems["clear_threshold"] = problem
        if problems:
            raise ValidationError(problems)


class Alarm(TimeStamped):
    """One alarm episode of one rule on one device."""

    device = models.ForeignKey(
        "iot.Device", verbose_name=_("device"), on_delete=models.CASCADE, related_name="alarms"
    )
    rule = models.ForeignKey(
        AlarmRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alarms"
    )
    severity = models.CharField(_("severity"), max_length=13, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AlarmStatus.choices, default=AlarmStatus.ACTIVE
    )
    # started_at: when the condition began (telemetry time); created_at: when CityOps noticed.
    started_at = models.DateTimeField(_("started at"))
    last_triggered_at = models.DateTimeField(_("last triggered at"))
    trigger_value = models.FloatField(_("value at start"), null=True, blank=True)
    last_value = models.FloatField(_("latest value"), null=True, blank=True)
    trigger_count = models.PositiveIntegerField(_("readings in breach"), default=1)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clear_reason = models.CharField(_("clear reason"), max_length=300, blank=True)
    # Cleared because the sensor's own readings confirmed it (clear condition / data resumed),
    # not by a person: only such a clear may pass a case's check automatically.
    confirmed_clear = models.BooleanField(_("cleared by the sensor"), default=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area_path = models.CharField(_("area path"), max_length=80, blank=True, db_index=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "rule"],
                condition=models.Q(status__in=["active", "acknowledged"]),
                name="iot_alarm_one_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="iot_alarm_status_sev")]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")

    def __str__(self) -> str:
        return f"{self.rule.name} @ {self.device.code}"

    @property
    def unit(self) -> str:
        """The SenML unit of the rule's metric on this device's type ("" when unknown)."""
        return self.device.device_type.metric_units().get(self.rule.metric, "")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALARM_STATUSES


class AlarmAction(models.TextChoices):
    RAISE = "raise", _("Raised 产生")
    ACKNOWLEDGE = "acknowledge", _("Acknowledged 确认")
    CLEAR = "clear", _("Cleared 清除")
    CASE_OPENED = "case_opened", _("Case opened 已立案上报")
    CASE_FAILED = "case_failed", _("Case not opened 上报失败")
    CHECK_PASSED = "check_passed", _("Check passed by sensor 传感器核查通过")


class AlarmEvent(models.Model):
    """The append-only history of an alarm (STYLE.md rule 2)."""

    alarm = models.ForeignKey(
        Alarm, verbose_name=_("alarm"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=13, choices=AlarmAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["alarm", "at", "id"]
        verbose_name = _("alarm event")
        verbose_name_plural = _("alarm events")

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.action} {self.at:%Y-%m-%d %H:%M:%S}"
