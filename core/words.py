"""Words and numbers as people read them on an operational screen.

Data loaded with the platform (device types, alarm rules, metric labels) carries both names in
one string, "井盖移位 Cover displaced": ``in_language`` shows the half for the active language, so
a Chinese screen reads 井盖移位 and an English one Cover displaced. Sensor values are shown to the
precision people read them with their unit symbol (22.7°, 93%, 61 ℃), never as 22.6559 deg.
"""

from __future__ import annotations

import re

from django.utils import translation

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _has_cjk(token: str) -> bool:
    return bool(_CJK.search(token))


def in_language(text: str, language: str | None = None) -> str:
    """The Chinese or the English half of a bilingual name ("井盖移位 Cover displaced").

    A name is split only when it is one run of words with Chinese characters and one run
    without (either order); anything else (one language, mixed words) is returned as it is.
    """
    text = (text or "").strip()
    tokens = text.split()
    if len(tokens) < 2:
        return text
    kinds = [_has_cjk(t) for t in tokens]
    changes = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a != b)
    if changes != 1:
        return text
    zh = " ".join(t for t, k in zip(tokens, kinds, strict=True) if k)
    en = " ".join(t for t, k in zip(tokens, kinds, strict=True) if not k)
    language = language or translation.get_language() or "zh-hans"
    return zh if language.lower().startswith("zh") else en


# SenML units (RFC 8428 / 8798) -> (symbol, decimals, multiplier, space before the symbol).
_UNITS: dict[str, tuple[str, int, float, bool]] = {
    "deg": ("°", 1, 1, False),
    "Cel": ("℃", 1, 1, True),
    "/": ("%", 0, 100, False),  # a ratio 0..1 (fill level) read as a percentage
    "%": ("%", 0, 1, False),
    "%EL": ("%", 0, 1, False),  # battery
    "%RH": ("%", 0, 1, False),
    "m": ("m", 2, 1, True),
    "dB": ("dB", 1, 1, True),
    "mg/m3": ("mg/m³", 2, 1, True),
    "ug/m3": ("µg/m³", 0, 1, True),
    "kPa": ("kPa", 2, 1, True),
    "Pa": ("Pa", 0, 1, True),
    "m/s": ("m/s", 1, 1, True),
    "mm": ("mm", 0, 1, True),
    "V": ("V", 2, 1, True),
}


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def reading(value: float | None, unit: str = "") -> str:
    """A sensor value with its unit as people read it: 22.6559 deg -> "22.7°", 0.93 / -> "93%".

    Unknown units keep up to two decimals and the unit as given; ``None`` reads "—".
    """
    if value is None:
        return "—"
    symbol, decimals, factor, spaced = _UNITS.get(unit, (unit, 2, 1, True))
    number = _number(value * factor, decimals)
    if not symbol:
        return number
    return f"{number} {symbol}" if spaced else f"{number}{symbol}"
