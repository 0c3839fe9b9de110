"""Vehicle and worker tracking 车辆与人员定位: who carries a tracker, where it was, where it may go,
and how much of each street the sweepers covered.

A tracker is an ``iot.Device`` whose type declares ``lat`` and ``lon`` metrics (positions arrive
through the same SenML pipeline as every reading, iot.tracking.positions). A Vehicle or a
WorkerBadge says what the tracker is attached to; the rules (iot.tracking.rules) and their
parameters are ``iot.AlarmRule`` rows of the tracker's device type, so alarms are ordinary iot
alarms (one open per device and rule).

These models are imported by ``iot.models`` so their migrations belong to the ``iot`` app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class VehicleKind(models.TextChoices):
    SANITATION = "sanitation", _("Sanitation vehicle 环卫车")
    MUCK = "muck", _("Muck truck 渣土车")
    OTHER = "other", _("Other vehicle 其他车辆")


class Vehicle(TimeStamped):
    """A vehicle carrying a GPS terminal 车载定位终端.

    ``area`` is the area the vehicle serves (its operator's street or district): its pages and
    alarms are scoped by that area's path, wherever the vehicle drives.
    """

    plate = models.CharField(_("plate number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=VehicleKind.choices)
    company = models.CharField(_("company"), max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles",
    )
    area = models.ForeignKey(
        "areas.AdminArea",
        verbose_name=_("service area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles",
    )
    area_path = models.CharField(_("area path"), max_length=80, blank=True, db_index=True)
    device = models.OneToOneField(
        "iot.Device",
        verbose_name=_("tracker"),
        on_delete=models.PROTECT,
        related_name="vehicle",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return f"{self.plate} {self.name}".strip()


class WorkerBadge(TimeStamped):
    """A sanitation worker's e-badge 环卫工牌: who wears it and the grid(s) they look after."""

    number = models.CharField(_("badge number"), max_length=30, unique=True)
    name = models.CharField(_("worker name"), max_length=50, blank=True)
    staff = models.OneToOneField(
        "org.StaffProfile",
        verbose_name=_("staff profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="badge",
    )
    device = models.OneToOneField(
        "iot.Device", verbose_name=_("badge device"), on_delete=models.PROTECT, related_name="badge"
    )
    grids = models.ManyToManyField(
        "areas.UnitGrid", verbose_name=_("home grids"), blank=True, related_name="badges"
    )
    # The longest path prefix shared by the home grids (their community, street ...).
    area_path = models.CharField(_("area path"), max_length=80, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("worker badge")
        verbose_name_plural = _("worker badges")

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()


class TrackPoint(models.Model):
    """One position of one tracker 轨迹点. (tracker, ts) is unique, and that unique index also
    serves every track query (tracker = ..., ts between ...): redelivery inserts nothing."""

    id = models.BigAutoField(primary_key=True)
    tracker = models.ForeignKey(
        "iot.Device",
        verbose_name=_("tracker"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the (tracker, ts) unique index starts with it
    )
    ts = models.DateTimeField(_("measured at"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    speed = models.FloatField(_("speed (km/h)"), null=True, blank=True)
    heading = models.FloatField(_("heading (degrees from north)"), null=True, blank=True)

    class Meta:
        ordering = ["tracker", "ts"]
        constraints = [
            models.UniqueConstraint(fields=["tracker", "ts"], name="iot_trackpoint_unique"),
        ]
        verbose_name = _("track point")
        verbose_name_plural = _("track points")

    def __str__(self) -> str:
        return f"{self.tracker_id}@{self.ts:%Y-%m-%d %H:%M:%S}"


class GeofenceKind(models.TextChoices):
    APPROVED_ROUTE = "approved_route", _("Approved route 核准路线")
    FORBIDDEN_ZONE = "forbidden_zone", _("Forbidden zone 禁行区")


class Geofence(TimeStamped):
    """An electronic fence 电子围栏: an approved route (a line buffered by ``buffer_m``, or a
    corridor polygon) or a forbidden zone, for some vehicle kinds and companies, at some hours.

    Muck-truck permits name a route and a time window (iot.md §4.1: > 50 m off route is a
    deviation), hence the buffer default and the local ``active_from``/``active_until`` window,
    which may wrap midnight (22:00-06:00 night transport).
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=GeofenceKind.choices)
    geometry = models.JSONField(
        _("geometry (GeoJSON)"),
        help_text=_("LineString/MultiLineString (buffered) or Polygon/MultiPolygon, WGS-84."),
    )
    buffer_m = models.FloatField(
        _("buffer (m)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(5000)],
        help_text=_("Tolerance around the geometry; a line needs one."),
    )
    vehicle_kinds = models.JSONField(
        _("vehicle kinds"), default=list, blank=True, help_text=_("Empty = every kind.")
    )
    companies = models.JSONField(
        _("companies"), default=list, blank=True, help_text=_("Empty = every company.")
    )
    active_from = models.TimeField(_("active from (local)"), null=True, blank=True)
    active_until = models.TimeField(_("active until (local)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("geofence")
        verbose_name_plural = _("geofences")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from iot.tracking.geo import GeometryProblem, parse_fence

        problems = {}
        try:
            parse_fence(self.geometry, buffer_m=self.buffer_m)
        except GeometryProblem as exc:
            problems["geometry"] = str(exc)
        for kind in self.vehicle_kinds or []:
            if kind not in VehicleKind.values:
                problems["vehicle_kinds"] = _("Unknown vehicle kind %(k)r.") % {"k": kind}
        if (self.active_from is None) != (self.active_until is None):
            problems["active_until"] = _("Give both ends of the active hours, or neither.")
        if problems:
            raise ValidationError(problems)

    def applies_to(self, vehicle: Vehicle) -> bool:
        return (not self.vehicle_kinds or vehicle.kind in self.vehicle_kinds) and (
            not self.companies or vehicle.company in self.companies
        )


class RoadSegment(TimeStamped):
    """A street-centreline piece the sweepers must cover 清扫路段 (Philly Vehicle Locator snaps
    pings onto centreline segments the same way, iot.md §4.1)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("road name"), max_length=100)
    street = models.ForeignKey(
        "areas.AdminArea",
        verbose_name=_("street"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="road_segments",
    )
    area_path = models.CharField(_("area path"), max_length=80, blank=True, db_index=True)
    geometry = models.JSONField(_("centreline (GeoJSON LineString)"))
    length_m = models.FloatField(_("length (m)"), default=0, editable=False)
    tolerance_m = models.FloatField(
        _("covered within (m)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Half the road width plus GPS error: track this close counts as swept."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("road segment")
        verbose_name_plural = _("road segments")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from iot.tracking.geo import GeometryProblem, parse_line

        try:
            parse_line(self.geometry)
        except GeometryProblem as exc:
            raise ValidationError({"geometry": str(exc)}) from None

    def save(self, *args, **kwargs):
        from iot.tracking.geo import geodesic_length_m, parse_line

        self.length_m = geodesic_length_m(parse_line(self.geometry))
        self.area_path = self.street.path if self.street_id else self.area_path
        super().save(*args, **kwargs)


class CoverageDay(models.Model):
    """Share of one road segment the sweepers passed on one local day 作业覆盖率."""

    segment = models.ForeignKey(
        RoadSegment, verbose_name=_("road segment"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    covered_share = models.FloatField(_("covered share (0-1)"))
    covered_m = models.FloatField(_("covered length (m)"))
    track_points = models.PositiveIntegerField(_("sweeper points that day"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-date", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "date"], name="iot_coverage_unique"),
        ]
        verbose_name = _("coverage day")
        verbose_name_plural = _("coverage days")

    def __str__(self) -> str:
        return f"{self.segment_id} {self.date} {self.covered_share:.0%}"
