"""The sign tree (体征指标体系) as data: versions of the tree, their nodes and leaves.

A tree version (``SignTree``) holds five first-level goals (安全 干净 有序 便捷 满意), their
second-level groups and the leaves (reference/signs.md §7): each leaf says what it measures
(``measure``), where its value comes from (``source``), how often and how fresh it must be,
which area tiers it applies to, and how its raw value becomes a score (``normaliser``).
Weights are shares among siblings (they sum to 1 under each parent). Trees are loaded from and
exported to a JSON file (``signs.tree``, ``manage.py signs_tree``) and edited in the admin,
whose history records every change; one version is active.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SignTree(models.Model):
    version = models.CharField(_("version"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=False)
    # The lowest score of the blue, green, yellow and orange bands (below the last: red).
    floor_blue = models.DecimalField(_("blue 蓝 from"), max_digits=5, decimal_places=2, default=90)
    floor_green = models.DecimalField(
        _("green 绿 from"), max_digits=5, decimal_places=2, default=75
    )
    floor_yellow = models.DecimalField(
        _("yellow 黄 from"), max_digits=5, decimal_places=2, default=60
    )
    floor_orange = models.DecimalField(
        _("orange 橙 from"), max_digits=5, decimal_places=2, default=40
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign tree")
        verbose_name_plural = _("sign trees")

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def floors(self) -> tuple[float, ...]:
        return tuple(
            float(f)
            for f in (self.floor_blue, self.floor_green, self.floor_yellow, self.floor_orange)
        )

    def clean(self) -> None:
        if not self.floor_blue > self.floor_green > self.floor_yellow > self.floor_orange >= 0:
            raise ValidationError(_("Band floors must fall from blue to orange, none below 0."))


class Level(models.TextChoices):
    INDEX = "index", _("The index 体征指数")
    GOAL = "goal", _("First level 一级")
    GROUP = "group", _("Second level 二级")
    LEAF = "leaf", _("Leaf 指标")


class Source(models.TextChoices):
    PLATFORM = "platform", _("Platform: the case statistics 平台")
    SENSOR = "sensor", _("Sensing: readings and alarms 感知")
    FEED = "feed", _("Feed: numbers other systems push 接入")
    MANUAL = "manual", _("Manual: figures entered by hand 填报")


class Direction(models.TextChoices):
    LOWER = "lower_better", _("Lower is better")
    HIGHER = "higher_better", _("Higher is better")
    BAND = "target_band", _("Best inside a band")
    OBSERVE = "observe", _("Observed only (trend)")


class Frequency(models.TextChoices):
    HOUR = "hour", _("Hourly")
    DAY = "day", _("Daily")
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


# The built-in tree's units in the reader's language (a city's own unit is shown as written).
UNIT_LABELS = {
    "cases/d": pgettext_lazy("sign unit", "cases/d"),
    "cases": pgettext_lazy("sign unit", "cases"),
    "cases/百公里/d": pgettext_lazy("sign unit", "cases/百公里/d"),
    "cases per 10 k covers": pgettext_lazy("sign unit", "cases per 10 k covers"),
    "cases per 100 toilets/d": pgettext_lazy("sign unit", "cases per 100 toilets/d"),
    "level": pgettext_lazy("sign unit", "level"),
    "points": pgettext_lazy("sign unit", "points"),
    "% points": pgettext_lazy("sign unit", "percent of points"),
    "alarms/d": pgettext_lazy("sign unit", "alarms/d"),
    "alarms/d per 100 km pipe": pgettext_lazy("sign unit", "alarms/d per 100 km pipe"),
    "alarms per 1 000 points/d": pgettext_lazy("sign unit", "alarms per 1 000 points/d"),
    "minutes/d": pgettext_lazy("sign unit", "minutes/d"),
    "calls/d": pgettext_lazy("sign unit", "calls/d"),
    "户·h/d": pgettext_lazy("sign unit", "户·h/d"),
    "index": pgettext_lazy("sign unit", "index"),
    "score": pgettext_lazy("sign unit", "score"),
}


class SignNode(models.Model):
    tree = models.ForeignKey(
        SignTree, verbose_name=_("tree"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=5, choices=Level.choices)
    weight = models.DecimalField(
        _("weight"), max_digits=7, decimal_places=4, help_text=_("Share among its siblings.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Short-board rule: at most this score while any leaf below is red (e.g. 安全 59).
    red_leaf_cap = models.DecimalField(
        _("capped at while a leaf below is red"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    # --- leaves only ---
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    direction = models.CharField(
        _("direction"), max_length=14, choices=Direction.choices, blank=True
    )
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=Frequency.choices, blank=True
    )
    # What is measured, e.g. {"kind": "filed_per_day", "categories": ["06010", "06011"]}.
    measure = models.JSONField(_("measure"), default=dict, blank=True)
    normaliser = models.JSONField(_("normaliser"), default=dict, blank=True)
    # National warning levels on the raw value, e.g. {"I": 10, "II": 5, "III": 3, "IV": 1}.
    warning = models.JSONField(_("warning rule"), default=dict, blank=True)
    tiers = models.JSONField(_("area tiers"), default=list, blank=True)

    class Meta:
        ordering = ["tree", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="signs_node_code_per_tree")
        ]
        verbose_name = _("sign node")
        verbose_name_plural = _("sign nodes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language where the built-in tree's (``UNIT_LABELS``)."""
        return str(UNIT_LABELS.get(self.unit, self.unit))

    def clean(self) -> None:
        from signs import early_warning, normalisers

        if self.level == Level.LEAF:
            try:
                normalisers.check(self.normaliser)
            except normalisers.BadParameters as exc:
                raise ValidationError({"normaliser": str(exc)}) from None
            problem = early_warning.check_rule(self.warning)
            if problem:
                raise ValidationError({"warning": problem})


class Status(models.TextChoices):
    OK = "ok", _("Computed")
    NO_DATA = "no_data", _("No data yet")
    INSUFFICIENT = "insufficient", _("Insufficient data (more than half the weight missing)")
    OBSERVED = "observed", _("Observed only (not scored)")


def hour_end(day: date, hour: int) -> datetime:
    """The local end of ``hour`` (0-23) of ``day``: where an hour's value's 24 hours end."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(hours=hour + 1)


class SignValue(models.Model):
    """One node's value for one area and one period (a day, or the 24 hours up to the end of
    an hour: ``hour``), with what it was made of.

    ``explanation`` keeps everything needed to recompute the score from it: for a leaf the
    measure, the raw value, its baseline or exposure, the normaliser and the filter of the rows
    it counted; for a parent its children's weights and scores and whether the short-board cap
    applied (signs.services)."""

    tree = models.ForeignKey(SignTree, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(SignNode, on_delete=models.CASCADE, related_name="values")
    # The area's path ("/330200/" is the city); every tier's path has one length.
    area_path = models.CharField(_("area path"), max_length=80)
    tier = models.CharField(_("tier"), max_length=10)
    day = models.DateField(_("day"))
    # Empty: the day's value. 0-23: the value "now" as that local hour of the day ended (实时),
    # measured over the 24 hours before (signs.measures.When).
    hour = models.PositiveSmallIntegerField(_("hour"), null=True, blank=True)
    raw = models.FloatField(_("raw value"), null=True, blank=True)
    baseline = models.FloatField(_("baseline or exposure"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    band = models.CharField(_("band of the score"), max_length=6, blank=True)
    # The colour shown (after hysteresis) and the band waiting for a second confirmation.
    colour = models.CharField(_("colour"), max_length=6, blank=True)
    pending = models.CharField(_("colour pending"), max_length=6, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    explanation = models.JSONField(_("explanation"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "area_path", "day"],
                condition=models.Q(hour__isnull=True),
                name="signs_value_per_node_area_day",
            ),
            models.UniqueConstraint(
                fields=["node", "area_path", "day", "hour"],
                condition=models.Q(hour__isnull=False),
                name="signs_value_per_node_area_hour",
            ),
        ]
        indexes = [models.Index(fields=["area_path", "day"], name="signs_value_area_day")]
        verbose_name = _("sign value")
        verbose_name_plural = _("sign values")

    def __str__(self) -> str:
        if self.hour is None:
            when = str(self.day)
        else:
            when = f"{timezone.localtime(self.until):%Y-%m-%d %H:%M}"
        return f"{self.node.code} {self.area_path} {when}: {self.score}"

    @property
    def until(self) -> datetime | None:
        """An hour's value: the local end of its hour (its 24 hours end there); None for a day."""
        return None if self.hour is None else hour_end(self.day, self.hour)


class Channel(models.TextChoices):
    FEED = "feed", _("Pushed by another system 接入")
    MANUAL = "manual", _("Entered by hand 填报")


class Figure(models.Model):
    """A number another system pushed (AQI, traffic index, 12345 answer rate, 110 counts,
    weather warnings: ``POST /api/v1/signs/feeds/<code>``) or a person entered (surveys,
    coverage rates), for one area and one moment: what feed and manual leaves read.

    Idempotent by (code, source id): the same record sent again is not stored twice, and a
    different value under a source id already used is refused."""

    code = models.CharField(_("feed code"), max_length=40)
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    area = models.ForeignKey(
        "areas.AdminArea", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("measured at"))
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=40)
    source_id = models.CharField(_("source record id"), max_length=100)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "source_id"], name="signs_figure_once")
        ]
        indexes = [models.Index(fields=["code", "area", "at"], name="signs_figure_latest")]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")

    def __str__(self) -> str:
        return f"{self.code} {self.value} {self.unit} @ {self.at:%Y-%m-%d %H:%M}"


class WarningLevel(models.IntegerChoices):
    """National four-level warning colours on a raw value (预警级别, GB/T 27962 style): I is
    the most severe. Not the index bands: blue here is a level-IV warning."""

    I = 1, _("Level I 红色预警 (red)")  # noqa: E741
    II = 2, _("Level II 橙色预警 (orange)")
    III = 3, _("Level III 黄色预警 (yellow)")
    IV = 4, _("Level IV 蓝色预警 (blue)")


class SignWarning(models.Model):
    """One warning episode of a leaf in an area: raised when its raw value first reaches a
    level of the leaf's warning rule, its level changed as the value moves, ended when the
    value falls below every level. One open episode per leaf and area at a time."""

    node = models.ForeignKey(SignNode, on_delete=models.CASCADE, related_name="warnings")
    area_path = models.CharField(_("area path"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level"), choices=WarningLevel.choices)
    highest = models.PositiveSmallIntegerField(_("most severe level"), choices=WarningLevel.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    raw = models.FloatField(_("latest raw value"))
    # Every change: [{"day": "2026-11-23", "level": 3, "raw": 4.0}, ...]
    history = models.JSONField(_("history"), default=list)
    # What the rule's actions did (signs.early_warning.act): the most severe level the
    # responsible department was told of, and the case the episode opened (at most one).
    notified_level = models.PositiveSmallIntegerField(
        _("department told of level"), choices=WarningLevel.choices, null=True, blank=True
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "area_path"],
                condition=models.Q(ended_on__isnull=True),
                name="signs_one_open_warning",
            )
        ]
        verbose_name = _("sign warning")
        verbose_name_plural = _("sign warnings")

    def __str__(self) -> str:
        return f"{self.node.code} {self.area_path} level {self.level}"
