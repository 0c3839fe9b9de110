"""Reads for the organisation app, and the one place that decides what a user may see.

``visible_area_paths(user)`` gives the path prefixes a user may see; ``scope(queryset, user)``
narrows any queryset whose rows carry an area path (AdminArea.path, UnitGrid.path, and later
cases through their grid). Every list, map and count in CityOps goes through ``scope``.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from areas.models import AdminArea
from org.models import Role, StaffProfile

ALL = None  # sentinel: no restriction


def staff_profile(user) -> StaffProfile | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def visible_area_paths(user) -> list[str] | None:
    """Path prefixes the user may see, or ``None`` (ALL) for unrestricted users.

    Superusers and administrators without an area scope see everything. Anyone else sees the
    subtrees of their scope areas; with no scope areas, the subtree of their department's area;
    with neither (or no profile at all), nothing.
    """
    if user is None or not user.is_authenticated:
        return []
    profile = staff_profile(user)
    if user.is_superuser and (profile is None or not profile.areas.exists()):
        return ALL
    if profile is None:
        return []
    paths = list(profile.areas.values_list("path", flat=True))
    if not paths and profile.role == Role.ADMIN:
        return ALL
    if not paths and profile.department_id:
        paths = [profile.department.area.path]
    return minimal_prefixes(paths)


def minimal_prefixes(paths: list[str]) -> list[str]:
    """Drop paths already covered by a shorter one (a city and its district -> the city)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope(queryset: QuerySet, user, *, path_field: str = "path") -> QuerySet:
    """Narrow ``queryset`` to what ``user`` may see, by an area-path column."""
    paths = visible_area_paths(user)
    if paths is ALL:
        return queryset
    if not paths:
        return queryset.none()
    condition = reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))
    return queryset.filter(condition)


def visible_areas(user) -> QuerySet[AdminArea]:
    """The administrative areas a user may see (their scope and everything below it)."""
    return scope(AdminArea.objects.all(), user)


def can_see_path(user, path: str) -> bool:
    paths = visible_area_paths(user)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)
