"""What import rows point at, loaded once per run: categories, filing standards, grids, areas,
departments. Every lookup either answers or raises ``RowRejected`` naming the value.

Categories are found by code, by ``kind:code`` (``component:01001``, ``部件:01001``,
``event:02001``, ``事项:02001``) or by exact name. GB/T 47678.5 gives a 部件 and its 管理事项
("部件 X 异常") the same 5-digit code; a bare code shared that way means the 部件, on which the
filing standards hang (catalog.models).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

from areas.models import AdminArea, UnitGrid
from catalog.models import Category, CategoryKind, FilingStandard
from hotline.mapping import RowRejected
from org.models import Department

KIND_PREFIXES = {
    "component": CategoryKind.COMPONENT,
    "部件": CategoryKind.COMPONENT,
    "event": CategoryKind.EVENT,
    "事项": CategoryKind.EVENT,
}


@dataclass(frozen=True)
class GridRef:
    id: int
    code: str
    path: str
    area_class: str
    lon: float
    lat: float


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    path: str


@dataclass(frozen=True)
class StandardRef:
    id: int
    code: str
    category_id: int
    standard: FilingStandard


class Refs:
    """Lookup tables of one import run (a few thousand rows at most: read once)."""

    @cached_property
    def _categories(self) -> dict[str, Category]:
        found: dict[str, Category] = {}
        names: dict[str, list[Category]] = {}
        for cat in Category.objects.all():
            found[f"{cat.kind}:{cat.code}"] = cat
            names.setdefault(cat.name, []).append(cat)
            current = found.get(cat.code)
            if current is None or cat.kind == CategoryKind.COMPONENT:
                found[cat.code] = cat
        for name, cats in names.items():
            if len(cats) == 1:
                found.setdefault(name, cats[0])
        return found

    def category(self, value: str) -> Category:
        key = value.strip()
        kind, sep, code = key.partition(":")
        if not sep:
            kind, sep, code = key.partition("：")  # full-width colon from Chinese input
        if sep and kind.strip().lower() in KIND_PREFIXES:
            key = f"{KIND_PREFIXES[kind.strip().lower()]}:{code.strip()}"
        cat = self._categories.get(key)
        if cat is None:
            raise RowRejected(
                _("No category %(value)r in the catalogue (give its 5-digit code or exact name).")
                % {"value": value}
            )
        return cat

    @cached_property
    def _standards(self) -> tuple[dict[str, StandardRef], dict[int, StandardRef]]:
        by_code: dict[str, StandardRef] = {}
        first: dict[int, StandardRef] = {}
        # Model ordering puts each category's standards in their sort order: the first active
        # one is the category's usual standard.
        for std in FilingStandard.objects.all():
            ref = StandardRef(std.pk, std.code, std.category_id, std)
            by_code[std.code] = ref
            if std.is_active:
                first.setdefault(std.category_id, ref)
        return by_code, first

    def standard(self, code: str, category: Category) -> StandardRef:
        by_code, first = self._standards
        if code:
            ref = by_code.get(code)
            if ref is None:
                raise RowRejected(_("No filing standard %(code)r.") % {"code": code})
            if ref.category_id != category.pk:
                raise RowRejected(
                    _("Filing standard %(code)s belongs to another category than %(cat)s.")
                    % {"code": code, "cat": category}
                )
            return ref
        ref = first.get(category.pk)
        if ref is None:
            raise RowRejected(
                _(
                    "Category %(cat)s has no active filing standard to file the case under; "
                    "give the standard column or add a standard."
                )
                % {"cat": category}
            )
        return ref

    @cached_property
    def _grids(self) -> dict[str, GridRef]:
        rows = UnitGrid.objects.values_list(
            "pk", "code", "path", "area_class", "centroid_lon", "centroid_lat"
        )
        return {
            code: GridRef(pk, code, path, ac, lon, lat) for pk, code, path, ac, lon, lat in rows
        }

    @cached_property
    def grids_by_id(self) -> dict[int, GridRef]:
        return {g.id: g for g in self._grids.values()}

    def grid(self, code: str) -> GridRef:
        ref = self._grids.get(code.strip().upper())
        if ref is None:
            raise RowRejected(_("No unit grid %(code)r.") % {"code": code})
        return ref

    @cached_property
    def _areas(self) -> dict[str, AreaRef]:
        return {
            code: AreaRef(pk, code, path)
            for pk, code, path in AdminArea.objects.values_list("pk", "code", "path")
        }

    def area(self, code: str) -> AreaRef:
        ref = self._areas.get(code.strip())
        if ref is None:
            raise RowRejected(_("No area with the code %(code)r.") % {"code": code})
        return ref

    @cached_property
    def _departments(self) -> dict[str, Department]:
        found: dict[str, Department] = {}
        names: dict[str, list[Department]] = {}
        for dept in Department.objects.all():
            found[dept.code] = dept
            names.setdefault(dept.name, []).append(dept)
        for name, depts in names.items():
            if len(depts) == 1:
                found.setdefault(name, depts[0])
        return found

    def department(self, value: str) -> Department:
        dept = self._departments.get(value.strip())
        if dept is None:
            raise RowRejected(
                _("No department %(value)r (give its code or exact name).") % {"value": value}
            )
        return dept
