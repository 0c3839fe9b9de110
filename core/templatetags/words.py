"""``{% load words %}``: bilingual data names and sensor readings as people read them
(core.words)."""

from __future__ import annotations

from django import template

from core import words

register = template.Library()


@register.filter
def in_language(text: str) -> str:
    """{{ rule.name|in_language }}: 井盖移位 on a Chinese screen, Cover displaced on an English one."""
    return words.in_language(str(text or ""))


@register.filter
def reading(value, unit: str = "") -> str:
    """{{ alarm.last_value|reading:"deg" }} -> 22.7°."""
    try:
        number = float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return str(value)
    return words.reading(number, unit)
