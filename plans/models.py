"""Planned work (周期性工单 / 巡查计划): what is done where, how often, by whom, with what proof,
and the work orders the scheduler makes of it (plans.scheduler).

A **plan** says what (a checklist), how often (every working day, or given weekdays or days of
the month; at given times of day; working days follow the city's calendar with its holidays and
调休 make-up days), who (a department: a unit, a team, a contracted operator 物业/城市管家), how
long an order has, and what proves it done (a photo, a position inside the place, every
checklist answer). Its **items** are the places: unit grids or registered components.
A **work order** is one item at one start time; (item, start) is unique, so running the
scheduler twice creates nothing twice. An open order past its end is marked **missed**; a share
of done orders is **sampled** for inspection (抽查) by the centre, and a failed inspection opens
a rework order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every working day")
    EVERY_DAY = "every_day", _("Every day, holidays too")
    WEEKLY = "weekly", _("On given weekdays")
    MONTHLY = "monthly", _("On given days of the month")


class Plan(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("What problems found on the round are reported as."),
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency.choices)
    # weekly: ISO weekdays 1 (Mon) .. 7; monthly: days 1 .. 31 (a month without the day skips it)
    days = models.JSONField(_("days"), default=list, blank=True)
    # local start times "HH:MM", one order per item per time
    times = models.JSONField(_("times of day"), default=list)
    minutes_allowed = models.PositiveIntegerField(_("minutes allowed"), default=120)
    needs_photo = models.BooleanField(_("photo required"), default=True)
    needs_position = models.BooleanField(_("position inside the place required"), default=True)
    needs_checklist = models.BooleanField(_("every checklist item answered"), default=True)
    sample_share = models.DecimalField(
        _("share inspected 抽查比例"), max_digits=4, decimal_places=3, default=0.05
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from plans.scheduler import parse_time

        problems = {}
        times = self.times if isinstance(self.times, list) else None
        try:
            if not times:
                raise ValueError
            [parse_time(t) for t in times]
        except (TypeError, ValueError):
            problems["times"] = _('A list of times of day, e.g. ["08:00", "14:00"].')
        limits = {Frequency.WEEKLY: 7, Frequency.MONTHLY: 31}.get(self.frequency)
        if limits and not (
            isinstance(self.days, list)
            and self.days
            and all(isinstance(d, int) and 1 <= d <= limits for d in self.days)
        ):
            problems["days"] = _("A list of days from 1 to %(n)s.") % {"n": limits}
        if not isinstance(self.checklist, list) or not all(
            isinstance(i, str) for i in self.checklist
        ):
            problems["checklist"] = _("A list of texts.")
        if problems:
            raise ValidationError(problems)


class PlanItem(models.Model):
    """One place of a plan: a unit grid, a registered component or a road segment (清扫路段)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items"
    )
    grid = models.ForeignKey(
        "areas.UnitGrid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    component = models.ForeignKey(
        "components.Component", verbose_name=_("component"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    segment = models.ForeignKey(
        "iot.RoadSegment", verbose_name=_("road segment"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    area_path = models.CharField(_("area path"), max_length=80, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grid__isnull=False)
                | models.Q(component__isnull=False)
                | models.Q(segment__isnull=False),
                name="plans_item_has_a_place",
            )
        ]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.component_id or self.segment_id or self.grid_id}"

    def save(self, *args, **kwargs) -> None:
        # Whose slice it is follows its place.
        if self.component_id is not None:
            self.area_path = self.component.area_path
        elif self.segment_id is not None:
            self.area_path = self.segment.area_path
        elif self.grid_id is not None:
            self.area_path = self.grid.path
        super().save(*args, **kwargs)

    @property
    def place(self):
        """The component, road segment or grid this item is (each has a name and a code)."""
        return self.component or self.segment or self.grid

    @property
    def label(self) -> str:
        return f"{self.place.name} {self.place.code}"

    @property
    def point(self) -> tuple[float, float]:
        """The place as a point: the component, the middle of the road, a point inside the grid."""
        from shapely.geometry import shape

        if self.component_id is not None:
            return self.component.lon, self.component.lat
        if self.segment_id is not None:
            middle = shape(self.segment.geometry).interpolate(0.5, normalized=True)
            return middle.x, middle.y
        inside = shape(self.grid.polygon).representative_point()
        return inside.x, inside.y


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open 待完成")
    DONE = "done", _("Done 已完成")
    MISSED = "missed", _("Missed 未完成")
    CANCELLED = "cancelled", _("Cancelled 已取消")


class Inspection(models.TextChoices):
    PASSED = "passed", _("Passed 抽查合格")
    FAILED = "failed", _("Failed 抽查不合格")


class WorkOrder(models.Model):
    item = models.ForeignKey(
        PlanItem, verbose_name=_("plan item"), on_delete=models.CASCADE, related_name="orders"
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="orders"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("done by"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=80, db_index=True)
    starts_at = models.DateTimeField(_("from"))
    due_at = models.DateTimeField(_("due by"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default="open"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by (person)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    answers = models.JSONField(_("checklist answers"), default=dict, blank=True)
    photo = models.FileField(_("photo"), upload_to="plans/%Y/%m/%d", blank=True, max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)
    sampled = models.BooleanField(_("sampled for inspection 抽查"), default=False)
    inspection = models.CharField(
        _("inspection"), max_length=8, choices=Inspection.choices, blank=True
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspected by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    rework_of = models.ForeignKey(
        "self", verbose_name=_("rework of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reworks",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "starts_at"],
                condition=models.Q(rework_of__isnull=True),
                name="plans_order_once",
            )
        ]
        indexes = [
            models.Index(fields=["department", "status", "due_at"], name="plans_orders_todo")
        ]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.item_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at
