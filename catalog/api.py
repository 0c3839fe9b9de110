"""/api/v1/categories: the GB/T 47678.5 directory and its filing standards.

- ``GET /categories`` active categories; filters ``kind``, ``major`` (2 digits) and ``q`` (a code
  prefix, or free text ranked by ``suggest_categories``).
- ``GET /categories/suggest?text=`` best matches for a citizen's words, with score and matches.
- ``GET /categories/{kind}/{code}`` one category with its active filing standards (立结案标准).

Errors leave as ``{"code", "message"}`` (cityops/api.py): unknown category -> 404
``category_not_found``; a bad ``kind`` or missing ``text`` -> 422 ``invalid``.
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema

from areas.api import ErrorOut
from catalog import selectors
from catalog.models import Category, FilingStandard

router = Router(tags=["catalog"])

Kind = Literal["component", "event"]
# A query made only of digits is a code prefix ("06", "0601", "06010").
_CODE_QUERY_MAX = 5


class CategoryOut(Schema):
    """One category: a 部件 (component) or 事项 (matter) subclass of GB/T 47678.5."""

    id: int
    kind: str = Field(description="component (部件) or event (事项)")
    code: str = Field(description="5 digits: 2 major + 3 minor; unique together with kind")
    name: str = Field(description="official subclass name")
    major_code: str
    major_name: str
    plain_name: str = Field(description="words a citizen would use; may be empty")
    keywords: list[str] = Field(description="search words")
    is_local: bool = Field(description="local extension (not in the national directory)")

    @staticmethod
    def resolve_keywords(obj: Category) -> list[str]:
        return selectors.split_words(obj.keywords)


class StandardOut(Schema):
    """A filing standard: when to file (立案条件), when to close (结案条件), how long it may take."""

    code: str
    filing_condition: str
    closing_condition: str
    time_limit: float = Field(description="default limit amount, in time_unit")
    time_unit: str = Field(description="urgent_hour, work_hour, work_day or natural_day")
    time_unit_label: str
    limit_a: float | None = Field(description="limit in area class A (core); null = time_limit")
    limit_b: float | None = Field(description="limit in area class B; null = time_limit")
    limit_c: float | None = Field(description="limit in area class C; null = time_limit")
    responsible_note: str
    source: str = Field(description="where the row comes from")

    @staticmethod
    def resolve_time_unit_label(obj: FilingStandard) -> str:
        return str(obj.get_time_unit_display())


class CategoryDetailOut(CategoryOut):
    source: str
    standards: list[StandardOut]

    @staticmethod
    def resolve_standards(obj: Category) -> list[FilingStandard]:
        return list(obj.standards.all())


class SuggestionOut(CategoryOut):
    score: float = Field(description="higher is better; only relative within one answer")
    matched: list[str] = Field(description="the words of the text that matched")


@router.get("/categories", response=list[CategoryOut], summary="Categories (部件/事项)")
def list_categories(
    request,
    kind: Kind | None = None,
    major: str | None = Query(None, pattern=r"^\d{2}$"),
    q: str | None = Query(None, max_length=selectors.MAX_TEXT),
):
    """Active categories in code order, or ranked by relevance when ``q`` is free text."""
    text = (q or "").strip()
    if text and not (text.isdigit() and len(text) <= _CODE_QUERY_MAX):
        found = selectors.suggest_categories(text, selectors.MAX_LIMIT, kind=kind, major=major)
        return [s.category for s in found]
    qs = selectors.active_categories(kind=kind, major=major)
    if text:
        qs = qs.filter(code__startswith=text)
    return qs


@router.get(
    "/categories/suggest",
    response=list[SuggestionOut],
    summary="Suggest categories for a citizen's description",
)
def suggest(
    request,
    text: str = Query(..., min_length=1, max_length=selectors.MAX_TEXT),
    limit: int = Query(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT),
    kind: Kind | None = None,
):
    """E.g. ``text=井盖坏了`` -> 不明井盖 first. Empty list when nothing matches."""
    out = []
    for s in selectors.suggest_categories(text, limit, kind=kind):
        # Fresh instances from this query: carrying the score on them is safe.
        s.category.score, s.category.matched = round(s.score, 2), list(s.matched)
        out.append(s.category)
    return out


@router.get(
    "/categories/{kind}/{code}",
    response={200: CategoryDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="One category with its filing standards (立结案标准)",
)
def category_detail(request, kind: Kind, code: str):
    return selectors.category_with_standards(kind=kind, code=code)
