"""The component register (部件普查): the city's actual covers, lamps, bins, hydrants, trees ...
with who manages, owns and maintains each (GB/T 47678.5 table 2, reference/standards.md §2.2).

A component has the 17-digit 管理部件标识码 (components.identifiers: 6 admin + 2 major + 3 minor
+ 6 sequence), its catalogue category (a 部件 subclass), its unit grid, its state (完好, 破损,
丢失, 废弃, 移除), its geometry in WGS-84 (point, line or polygon, with a representative point
for lookups), and every change in its history (ComponentChange: a survey, a case, a hand edit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class ComponentState(models.TextChoices):
    """部件状态 GLBJZT."""

    INTACT = "intact", _("Intact 完好")
    DAMAGED = "damaged", _("Damaged 破损")
    LOST = "lost", _("Lost 丢失")
    ABANDONED = "abandoned", _("Abandoned 废弃")
    REMOVED = "removed", _("Removed 移除")


# No longer standing in the street: not on the map, not a place for work, not an exposure.
GONE = (ComponentState.REMOVED, ComponentState.ABANDONED)


class GeometryKind(models.TextChoices):
    POINT = "point", _("Point")
    LINE = "line", _("Line")
    POLYGON = "polygon", _("Polygon")


class Component(TimeStamped):
    code = models.CharField(_("component id 管理部件标识码"), max_length=17, unique=True)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name 名称"), max_length=30)
    manager_code = models.CharField(_("managing department code 主管部门代码"), max_length=18)
    manager_name = models.CharField(_("managing department 主管部门名称"), max_length=100)
    owner_code = models.CharField(_("owner code 权属单位代码"), max_length=18, blank=True)
    owner_name = models.CharField(_("owner 权属单位名称"), max_length=100, blank=True)
    maintainer_code = models.CharField(_("maintainer code 养护单位代码"), max_length=18, blank=True)
    maintainer_name = models.CharField(_("maintainer 养护单位名称"), max_length=100, blank=True)
    # The CityOps department that answers for it (routing 部件先属主): the maintainer's, or
    # else the managing department's, when either is a department of this platform.
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
    )
    grid = models.ForeignKey(
        "areas.UnitGrid",
        verbose_name=_("unit grid 所在单元网格"),
        on_delete=models.PROTECT,
        related_name="components",
    )
    area_path = models.CharField(_("area path"), max_length=80, db_index=True, editable=False)
    state = models.CharField(
        _("state 部件状态"), max_length=10, choices=ComponentState.choices, default="intact"
    )
    geometry_kind = models.CharField(
        _("geometry"), max_length=8, choices=GeometryKind.choices, default="point"
    )
    geometry = models.JSONField(_("geometry (GeoJSON, WGS-84)"))
    # A representative point (the point itself, a line's middle vertex, a polygon's centre).
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    initial_date = models.DateField(_("initial date 初始日期"))
    changed_date = models.DateField(_("changed date 变更日期"), null=True, blank=True)
    data_source = models.CharField(_("data source 数据来源"), max_length=30, blank=True)
    note = models.CharField(_("note 备注"), max_length=1000, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["category", "lat", "lon"], name="components_near"),
            models.Index(fields=["lat", "lon"], name="components_near_any"),
        ]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        if self.grid_id is not None:  # who sees it follows its grid, whoever edits it
            self.area_path = self.grid.path
        super().save(*args, **kwargs)


class ChangeSource(models.TextChoices):
    SURVEY = "survey", _("Survey 普查")
    CASE = "case", _("Case 案件")
    HAND = "hand", _("By hand")


class ComponentChange(models.Model):
    """One change of a component: what changed (``fields``: name -> [before, after]; a new
    component's first entry has no before), why and by whom."""

    component = models.ForeignKey(
        Component, verbose_name=_("component"), on_delete=models.CASCADE, related_name="history"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=ChangeSource.choices)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    fields = models.JSONField(_("changes"), default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
        ordering = ["component", "at", "pk"]
        verbose_name = _("component change")
        verbose_name_plural = _("component changes")

    def __str__(self) -> str:
        return f"{self.component_id} {self.source} {self.at:%Y-%m-%d}"
