"""Reads for the catalogue: active categories, one category with its standards, suggestions.

``suggest_categories(text)`` turns a citizen's words ("井盖坏了", "路边有人摆摊") into likely
categories by plain substring scoring over name, plain_name and keywords. Chinese has no spaces,
so a term counts when it occurs inside the text; no word segmenter (jieba) is needed for the
short phrases people type. Longer matches weigh more, because they are more specific.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from catalog.models import Category, FilingStandard
from core.errors import NotFound

# Weights per matched character: the official name is the strongest signal, then curated words.
NAME_WEIGHT = 3.0
PLAIN_WEIGHT = 2.0
KEYWORD_WEIGHT = 2.0
# A shared two-character piece of the name ("井盖" in "供水井盖") when the whole name is absent.
BIGRAM_WEIGHT = 1.0
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_TEXT = 500

_SPLIT = re.compile(r"[,，、;；|/\s]+")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_ANOMALY = "异常"  # 事项 01xxx-05xxx are "<部件>异常" (standards.md §2.1)


@dataclass(frozen=True)
class Suggestion:
    category: Category
    score: float
    matched: tuple[str, ...]


def active_categories(*, kind: str | None = None, major: str | None = None) -> QuerySet[Category]:
    qs = Category.objects.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if major:
        qs = qs.filter(major_code=major)
    return qs


def codes_q(codes, prefix: str = "category__") -> Q:
    """The categories named by GB/T 47678.5 codes: five-digit subclass codes, or two-digit
    major classes (大类: "01" 公用设施 takes every 01xxx subclass); ``prefix`` is the path to
    the category from the model filtered ("" on Category itself)."""
    codes = list(codes)
    subclasses = [c for c in codes if len(c) != 2]
    majors = [c for c in codes if len(c) == 2]
    return Q(**{f"{prefix}code__in": subclasses}) | Q(**{f"{prefix}major_code__in": majors})


def active_standards() -> QuerySet[FilingStandard]:
    return FilingStandard.objects.filter(is_active=True).order_by("sort_order", "code")


def category_with_standards(*, kind: str, code: str) -> Category:
    """One active category and its active filing standards, or NotFound."""
    category = (
        active_categories(kind=kind)
        .prefetch_related(Prefetch("standards", queryset=active_standards()))
        .filter(code=code)
        .first()
    )
    if category is None:
        raise NotFound(
            _("No active category %(kind)s %(code)s.") % {"kind": kind, "code": code},
            code="category_not_found",
        )
    return category


def split_words(raw: str) -> list[str]:
    """Keywords as a list ("井盖、窨井盖" -> ["井盖", "窨井盖"])."""
    return [w for w in _SPLIT.split(raw or "") if w]


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def _name_terms(name: str) -> set[str]:
    """The name and its usable parts: "道路积雪、结冰" -> also 道路积雪, 结冰; brackets dropped."""
    base = normalize(name)
    terms = {base, normalize(_BRACKETS.sub("", name))}
    for part in _SPLIT.split(_BRACKETS.sub("", name)):
        terms.add(normalize(part))
    if base.endswith(_ANOMALY) and len(base) > len(_ANOMALY) + 1:
        terms.add(base[: -len(_ANOMALY)])
    return {t for t in terms if len(t) >= 2}


def _bigrams(term: str) -> set[str]:
    return {term[i : i + 2] for i in range(len(term) - 1)}


def score_category(text: str, *, name: str, plain_name: str, keywords: str) -> tuple[float, list]:
    """Score of one category against normalised ``text``, and the terms that matched."""
    score, matched = 0.0, []
    name_hit = False
    for term in _name_terms(name):
        if term in text:
            score += NAME_WEIGHT * len(term)
            matched.append(term)
            name_hit = True
    plain_terms = {normalize(p) for p in _SPLIT.split(plain_name or "")} | {normalize(plain_name)}
    for term in plain_terms:
        if len(term) >= 2 and term in text:
            score += PLAIN_WEIGHT * len(term)
            matched.append(term)
    for term in {normalize(k) for k in _SPLIT.split(keywords or "")}:
        if term and term in text:
            score += KEYWORD_WEIGHT * len(term)
            matched.append(term)
    if not name_hit:
        shared = set()
        for term in _name_terms(name):
            shared |= {b for b in _bigrams(term) if b in text}
        score += BIGRAM_WEIGHT * len(shared)
        matched.extend(sorted(shared))
    return score, matched


def suggest_categories(
    text: str, limit: int = DEFAULT_LIMIT, *, kind: str | None = None, major: str | None = None
) -> list[Suggestion]:
    """The active categories that best match a free-text description, best first.

    Ties go to categories with curated citizen words (plain_name), then components before
    matters (filing standards of 部件 problems hang on the 部件), then code order.
    """
    wanted = normalize(text)[:MAX_TEXT]
    if not wanted:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    found = []
    for category in active_categories(kind=kind, major=major):
        score, matched = score_category(
            wanted, name=category.name, plain_name=category.plain_name, keywords=category.keywords
        )
        if score > 0:
            found.append(Suggestion(category, score, tuple(dict.fromkeys(matched))))
    found.sort(
        key=lambda s: (
            -s.score,
            not s.category.plain_name,
            s.category.kind != "component",
            s.category.code,
        )
    )
    return found[:limit]
