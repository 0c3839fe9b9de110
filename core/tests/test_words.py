"""core.words: the half of a bilingual name for the language, readings as people read them."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.words import in_language, reading


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("井盖移位 Cover displaced", "井盖移位", "Cover displaced"),
        ("Tilt angle 倾角", "倾角", "Tilt angle"),
        ("LAeq 等效声级", "等效声级", "LAeq"),
        ("垃圾箱满溢", "垃圾箱满溢", "垃圾箱满溢"),  # one language: as it is
        ("Battery", "Battery", "Battery"),
        ("A 井盖 B 移位", "A 井盖 B 移位", "A 井盖 B 移位"),  # mixed words: as it is
        ("", "", ""),
    ],
)
def test_in_language_picks_the_half_for_the_language(text, zh, en):
    assert in_language(text, "zh-hans") == zh
    assert in_language(text, "en") == en


def test_in_language_follows_the_active_language():
    with translation.override("en"):
        assert in_language("井盖移位 Cover displaced") == "Cover displaced"
    with translation.override("zh-hans"):
        assert in_language("井盖移位 Cover displaced") == "井盖移位"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (22.6559, "deg", "22.7°"),
        (0.934, "/", "93%"),
        (87.0, "%EL", "87%"),
        (61.24, "Cel", "61.2 ℃"),
        (0.254, "m", "0.25 m"),
        (72.0, "dB", "72 dB"),
        (2.134, "mg/m3", "2.13 mg/m³"),
        (1.23456, "furlong", "1.23 furlong"),
        (5.0, "", "5"),
        (None, "deg", "—"),
    ],
)
def test_reading_rounds_and_uses_the_unit_symbol(value, unit, text):
    assert reading(value, unit) == text
