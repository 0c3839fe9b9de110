"""catalog.pinyin: initials and full pinyin of category names."""

from __future__ import annotations

import pytest

from catalog.pinyin import keys, matches


def test_keys_of_a_name_with_punctuation_and_latin():
    assert keys("井盖缺失、破损") == keys("井盖缺失、破损")  # cached, equal
    assert (keys("井盖缺失、破损").initials, keys("井盖缺失、破损").full) == (
        "jgqsps",
        "jinggaiqueshiposun",
    )
    assert keys("LED显示屏").initials == "xsp"  # Latin letters are not pinyin


@pytest.mark.parametrize(
    ("query", "score"),
    [
        ("jg", 3),
        ("JG", 3),
        ("jing", 2),
        ("jinggai", 2),
        ("qs", 1),
        ("queshi", 1),
        ("xyz", 0),
        ("", 0),
    ],
)
def test_matches_ranks_initials_then_full_pinyin(query, score):
    assert matches("井盖缺失", query) == score
