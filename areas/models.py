"""The five tiers 市-区-街道-社区-网格: AdminArea tree and UnitGrid (单元网格).

Codes follow GB/T 2260 for the administrative part: 6 digits for the city (市) and district (区/县),
+3 for the street (街道/乡镇), +3 for the community (社区/村). A unit grid code is 15 characters
(GB/T 47678.3 / DB11): 6 admin + 3 street + 3 community + 3 sequence, the sequence numbered
west-to-east, north-to-south inside the community.

Every area and grid carries ``path``: the codes of itself and its ancestors, "/"-joined and
"/"-terminated (``/330200/330203/330203001/``). Scoping a query to a user's areas is then a
prefix test on one indexed column, whatever the depth.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped

GRID_CODE_LENGTH = 15
GRID_CODE_RE = re.compile(rf"^[0-9A-Z]{{{GRID_CODE_LENGTH}}}$")


class AreaLevel(models.TextChoices):
    CITY = "city", _("City 市")
    DISTRICT = "district", _("District 区/县")
    STREET = "street", _("Street 街道/乡镇")
    COMMUNITY = "community", _("Community 社区/村")


# Code length at each level (GB/T 2260 + 3 + 3).
CODE_LENGTH = {
    AreaLevel.CITY: 6,
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
}
PARENT_LEVEL = {
    AreaLevel.CITY: None,
    AreaLevel.DISTRICT: AreaLevel.CITY,
    AreaLevel.STREET: AreaLevel.DISTRICT,
    AreaLevel.COMMUNITY: AreaLevel.STREET,
}
LEVEL_ORDER = [AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY]
# In GeoJSON import/export a feature's ``level`` is an area level or "grid".
GRID_LEVEL = "grid"
FEATURE_LEVELS = (*AreaLevel.values, GRID_LEVEL)


class AreaClass(models.TextChoices):
    """Area class (区域类别) used by filing standards to vary time limits."""

    A = "A", _("A core area 核心区")
    B = "B", _("B general area 一般区")
    C = "C", _("C outer area 外围区")


def area_code_problems(
    *, level: str, code: str, parent_level: str | None, parent_code: str | None
) -> dict[str, str]:
    """What is wrong with an area's code and parent (field -> message); empty when fine.

    The one place for the GB/T 2260 rules, shared by ``AdminArea.clean`` and the GeoJSON import.
    """
    if level not in AreaLevel.values:
        return {"level": _("Unknown level %(level)r.") % {"level": level}}
    level = AreaLevel(level)
    problems: dict[str, str] = {}
    expected = CODE_LENGTH[level]
    if len(code) != expected or not code.isdigit():
        problems["code"] = _("A %(level)s code has %(n)d digits, not %(code)r.") % {
            "level": level.label,
            "n": expected,
            "code": code,
        }
    wanted_parent = PARENT_LEVEL[level]
    if wanted_parent is None:
        if parent_code:
            problems["parent"] = _("A city has no parent area.")
        return problems
    if parent_code is None:
        problems["parent"] = _("A %(level)s needs a parent %(parent)s.") % {
            "level": level.label,
            "parent": AreaLevel(wanted_parent).label,
        }
    elif parent_level != wanted_parent:
        problems["parent"] = _("The parent must be a %(level)s.") % {
            "level": AreaLevel(wanted_parent).label
        }
    elif "code" not in problems:
        # Street and community codes extend their parent's; a district shares the province.
        prefix = parent_code[:2] if level == AreaLevel.DISTRICT else parent_code
        if not code.startswith(prefix):
            problems["code"] = _("Code %(code)s does not start with %(prefix)s of its parent.") % {
                "code": code,
                "prefix": prefix,
            }
    return problems


def grid_code_problems(
    *, code: str, community_code: str | None, community_level: str | None
) -> dict[str, str]:
    """What is wrong with a grid code and its community (field -> message); empty when fine."""
    problems: dict[str, str] = {}
    if not GRID_CODE_RE.match(code):
        problems["code"] = _("A grid code is 15 characters of 0-9 and A-Z, not %(code)r.") % {
            "code": code
        }
    if community_code is None:
        problems["community"] = _("A grid needs its responsible community.")
    elif community_level != AreaLevel.COMMUNITY:
        problems["community"] = _("The responsible area must be a community.")
    elif not code.startswith(community_code):
        problems["code"] = _("A grid code starts with its community's 12-digit code.")
    return problems


class AdminArea(TimeStamped):
    """One node of the administrative tree 市 -> 区/县 -> 街道/乡镇 -> 社区/村."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=80, db_index=True, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    # True when the boundary is the union of the grids below (refresh_area_boundaries), not
    # surveyed: such a boundary is recomputed and never used to refuse a grid.
    boundary_derived = models.BooleanField(
        _("boundary derived from grids"),
        default=False,
        help_text=_("Computed as the union of the unit grids below; recomputed on import."),
    )
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        problems = area_code_problems(
            level=self.level,
            code=self.code or "",
            parent_level=self.parent.level if self.parent_id else None,
            parent_code=self.parent.code if self.parent_id else None,
        )
        if problems:
            raise ValidationError(problems)
        if self.boundary:
            from areas.geometry import GeometryError, parse_polygon

            try:
                parse_polygon(self.boundary)
            except GeometryError as exc:
                raise ValidationError({"boundary": str(exc)}) from None

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs):
        old_path = (
            AdminArea.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            if self.pk
            else None
        )
        self.path = self.compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved (new parent or code): every area and grid below carries the old prefix.
            _repath_descendants(old_path, self.path)


class UnitGrid(TimeStamped):
    """A unit grid (单元网格): the smallest managed polygon, owned by one community."""

    code = models.CharField(_("grid code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("responsible community"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": AreaLevel.COMMUNITY},
    )
    path = models.CharField(_("path"), max_length=80, db_index=True, editable=False)
    area_class = models.CharField(
        _("area class"), max_length=1, choices=AreaClass.choices, default=AreaClass.B
    )
    polygon = models.JSONField(_("polygon (GeoJSON)"))
    # Bounding box and centroid, WGS-84 degrees, kept for cheap filtering and map fitting.
    min_lon = models.FloatField(default=0)
    min_lat = models.FloatField(default=0)
    max_lon = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    centroid_lon = models.FloatField(default=0)
    centroid_lat = models.FloatField(default=0)
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit grid")
        verbose_name_plural = _("unit grids")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        problems = grid_code_problems(
            code=self.code or "",
            community_code=self.community.code if self.community_id else None,
            community_level=self.community.level if self.community_id else None,
        )
        if self.polygon is not None:
            from areas.geometry import GeometryError, parse_polygon

            try:
                parse_polygon(self.polygon)
            except GeometryError as exc:
                problems["polygon"] = str(exc)
        if problems:
            raise ValidationError(problems)

    def save(self, *args, **kwargs):
        from areas.geometry import fill_grid_geometry_fields

        fill_grid_geometry_fields(self)
        self.path = f"{self.community.path}{self.code}/"
        super().save(*args, **kwargs)


def _repath_descendants(old_prefix: str, new_prefix: str) -> None:
    for model in (AdminArea, UnitGrid):
        rows = list(model.objects.filter(path__startswith=old_prefix).only("id", "path"))
        for row in rows:
            row.path = new_prefix + row.path[len(old_prefix) :]
        model.objects.bulk_update(rows, ["path"], batch_size=500)
