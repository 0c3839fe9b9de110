"""Pinyin keys of category names, for searching on a phone keyboard (jg -> 井盖, jinggai -> 井盖).

Inspectors type Latin letters faster than characters on a phone; "jgqs" finds 井盖缺失 by the
initials (首字母) and "jinggai" by the full syllables. Keys are computed once per name (a few
hundred categories) and kept in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

_NOT_LETTERS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class PinyinKeys:
    initials: str  # 井盖缺失、破损 -> "jgqsps"
    full: str  # -> "jinggaiqueshiposun"


@lru_cache(maxsize=4096)
def keys(name: str) -> PinyinKeys:
    syllables = [s.lower() for s in lazy_pinyin(name or "", errors="ignore")]
    syllables = [_NOT_LETTERS.sub("", s) for s in syllables]
    syllables = [s for s in syllables if s]
    return PinyinKeys(
        initials="".join(s[0] for s in syllables),
        full="".join(syllables),
    )


def matches(name: str, query: str) -> int:
    """How well a Latin ``query`` matches ``name`` by pinyin: 3 initials from the start, 2 full
    pinyin from the start, 1 initials or full pinyin anywhere, 0 not at all."""
    q = _NOT_LETTERS.sub("", (query or "").lower())
    if not q:
        return 0
    k = keys(name)
    if k.initials.startswith(q):
        return 3
    if k.full.startswith(q):
        return 2
    if q in k.initials or q in k.full:
        return 1
    return 0
