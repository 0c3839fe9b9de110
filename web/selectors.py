"""Reads composed for the shell's pages."""

from __future__ import annotations

from areas.models import AdminArea, AreaLevel, UnitGrid
from org.selectors import scope, staff_profile


def home_context(user) -> dict:
    areas = scope(AdminArea.objects.all(), user)
    grids = scope(UnitGrid.objects.filter(is_active=True), user)
    counts = {level: 0 for level in AreaLevel.values}
    for row in areas.values_list("level", flat=True):
        counts[row] += 1
    tiers = [(AreaLevel(level).label, counts[level]) for level in AreaLevel.values]
    return {
        "profile": staff_profile(user),
        "tiers": tiers,
        "grid_count": grids.count(),
    }
