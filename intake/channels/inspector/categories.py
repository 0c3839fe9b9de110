"""The category picker of the inspector's report: find one of 400 categories with a thumb.

Without a query: what the description suggests (catalog.suggest_categories) on top, then the
categories this inspector used lately (recent), then the commonest in their areas over the last
90 days (frequent). With a query: names containing the words or codes starting with them, and
for Latin letters the pinyin initials or syllables (jg, jinggai -> 井盖), more used ones first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from cases.api_selectors import visible_cases
from cases.models import Case
from catalog import pinyin
from catalog.models import Category
from catalog.selectors import active_categories, normalize, suggest_categories

PICK_MAX = 20
SUGGESTED_MAX = 3
RECENT_MAX = 5
FREQUENT_MAX = 8
FREQUENT_DAYS = 90
FREQUENT_CACHE_SECONDS = 600
QUERY_MAX = 30
TEXT_MAX = 500
_LATIN = re.compile(r"^[a-z]+$")

SUGGESTED, RECENT, FREQUENT, MATCH = "suggested", "recent", "frequent", "match"


@dataclass(frozen=True)
class Pick:
    category: Category
    why: str  # SUGGESTED, RECENT, FREQUENT or MATCH


def recent(user, limit: int = RECENT_MAX) -> list[int]:
    """Category ids of the user's own latest reports, newest first, each once."""
    ids: list[int] = []
    rows = (
        Case.objects.filter(reported_by=user, category__isnull=False)
        .order_by("-reported_at")
        .values_list("category_id", flat=True)[: limit * 10]
    )
    for pk in rows:
        if pk not in ids:
            ids.append(pk)
        if len(ids) == limit:
            break
    return ids


def usage(user) -> dict[int, int]:
    """Cases per category in the user's areas over the last FREQUENT_DAYS (cached a while)."""
    key = f"intake:category-usage:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        since = timezone.now() - timedelta(days=FREQUENT_DAYS)
        rows = (
            visible_cases(user)
            .filter(reported_at__gte=since, category__isnull=False)
            .values("category_id")
            .annotate(n=Count("pk"))
            .values_list("category_id", "n")
        )
        counts = dict(rows)
        cache.set(key, counts, FREQUENT_CACHE_SECONDS)
    return counts


def _score(category: Category, wanted: str, latin: bool) -> int:
    names = [normalize(category.name), normalize(category.plain_name)]
    if any(n.startswith(wanted) for n in names if n) or category.code.startswith(wanted):
        return 6
    if any(wanted in n for n in names if n) or wanted in normalize(category.keywords):
        return 4
    if latin:
        return max(
            pinyin.matches(category.name, wanted), pinyin.matches(category.plain_name, wanted)
        )
    return 0


def pick(user, *, q: str = "", text: str = "", limit: int = PICK_MAX) -> list[Pick]:
    """The categories to offer, best first (see the module docstring)."""
    wanted = normalize(q)[:QUERY_MAX]
    counts = usage(user)
    if wanted:
        latin = bool(_LATIN.match(wanted))
        scored = []
        for category in active_categories():
            score = _score(category, wanted, latin)
            if score:
                scored.append((-score, -counts.get(category.pk, 0), category.code, category))
        scored.sort(key=lambda row: row[:3])
        return [Pick(row[3], MATCH) for row in scored[:limit]]
    picks: list[Pick] = []
    seen: set[int] = set()

    def add(categories, why: str) -> None:
        for category in categories:
            if category.pk not in seen and len(picks) < limit:
                seen.add(category.pk)
                picks.append(Pick(category, why))

    if text.strip():
        add((s.category for s in suggest_categories(text[:TEXT_MAX], SUGGESTED_MAX)), SUGGESTED)
    mine = recent(user)
    by_id = active_categories().in_bulk(mine + list(counts))
    add((by_id[pk] for pk in mine if pk in by_id), RECENT)
    frequent = sorted(counts, key=lambda pk: (-counts[pk], pk))[:FREQUENT_MAX]
    add((by_id[pk] for pk in frequent if pk in by_id), FREQUENT)
    return picks
