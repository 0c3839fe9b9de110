"""/api/v1/categories: the GB/T 47678.5 directory and its filing standards."""

from __future__ import annotations

from ninja import Router, Schema

from catalog.models import Category

router = Router(tags=["catalog"])


class CategoryOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    major_code: str
    major_name: str


@router.get("/categories", response=list[CategoryOut], summary="Categories (部件/事项)")
def list_categories(request, kind: str | None = None, major: str | None = None):
    qs = Category.objects.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if major:
        qs = qs.filter(major_code=major)
    return qs
