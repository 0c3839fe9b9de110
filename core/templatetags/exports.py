"""``{{ url|as_format:"xlsx" }}``: the same list's download in another format (core.exports)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template

register = template.Library()


@register.filter
def as_format(url: str, fmt: str) -> str:
    """``url`` with its ``format`` query parameter set to ``fmt`` (the rest kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "format"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("format", fmt)])))
