"""Reads composed for the shell's pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count

from areas.models import AdminArea, AreaLevel, UnitGrid
from intake.selectors import counts_by_source
from org.selectors import ALL, scope, staff_profile, visible_area_paths


def home_context(user) -> dict:
    """The home page: who the user is, the areas they answer for, and counts per tier."""
    areas = scope(AdminArea.objects.all(), user)
    grids = scope(UnitGrid.objects.filter(is_active=True), user)
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    profile = staff_profile(user)
    scope_areas = list(profile.areas.order_by("code")) if profile else []
    if (
        profile
        and not scope_areas
        and profile.department_id
        and visible_area_paths(user) is not ALL
    ):
        scope_areas = [profile.department.area]
    return {
        "profile": profile,
        "scope_areas": scope_areas,
        "unrestricted": visible_area_paths(user) is ALL,
        "tiers": [
            (level, AreaLevel(level).label, by_level.get(level, 0)) for level in AreaLevel.values
        ],
        "grid_count": grids.count(),
        # Cases per channel (intake) in the user's areas; channels with no case are left out.
        "source_counts": [row for row in counts_by_source(user) if row["total"]],
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
