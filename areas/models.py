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

GRID_CODE_RE = re.compile(r"^[0-9A-Z]{15}$")


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


class AreaClass(models.TextChoices):
    """Area class (区域类别) used by filing standards to vary time limits."""

    A = "A", _("A core area 核心区")
    B = "B", _("B general area 一般区")
    C = "C", _("C outer area 外围区")


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
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        expected = CODE_LENGTH[AreaLevel(self.level)]
        if len(self.code) != expected or not self.code.isdigit():
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)d digits.")
                    % {"level": self.get_level_display(), "n": expected}
                }
            )
        wanted_parent = PARENT_LEVEL[AreaLevel(self.level)]
        if wanted_parent is None and self.parent_id:
            raise ValidationError({"parent": _("A city has no parent area.")})
        if wanted_parent is not None:
            if self.parent is None or self.parent.level != wanted_parent:
                raise ValidationError(
                    {
                        "parent": _("The parent must be a %(level)s.")
                        % {"level": AreaLevel(wanted_parent).label}
                    }
                )

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        super().save(*args, **kwargs)


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
        if not GRID_CODE_RE.match(self.code or ""):
            raise ValidationError({"code": _("A grid code is 15 characters of 0-9 and A-Z.")})
        if self.community_id and not self.code.startswith(self.community.code):
            raise ValidationError(
                {"code": _("A grid code starts with its community's 12-digit code.")}
            )

    def save(self, *args, **kwargs):
        from areas.geometry import fill_grid_geometry_fields

        fill_grid_geometry_fields(self)
        self.path = f"{self.community.path}{self.code}/"
        super().save(*args, **kwargs)
