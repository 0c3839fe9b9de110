"""Form widgets written in Python where Django's templates cost too much.

Django renders each ``<option>`` of a ``<select>`` through its own template include, with an
attribute dict per option: the workbench's filters and bulk form (categories, areas,
departments: ~550 options) spent three quarters of the page's time there (cProfile, bench
pages). ``QuickSelect`` writes the same markup (value, ``selected``, optgroups, the field's
attributes) in one pass with ``format_html``, so labels are escaped as before.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are written in Python (same HTML as ``forms.Select``)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = set(self.format_value(value))
        parts = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # an optgroup: (group label, [(value, label)])
                inner = "".join(self._option(v, text, chosen) for v, text in label)
                group = '<optgroup label="{}">{}</optgroup>'
                # A group without a name: its options stand ungrouped (as Django's do).
                parts.append(
                    format_html(group, option_value, mark_safe(inner)) if option_value else inner
                )
            else:
                parts.append(self._option(option_value, label, chosen))
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(parts)))

    def _option(self, value, label, chosen: set[str]) -> str:
        value = "" if value is None else str(value)
        selected = value in chosen
        if selected and not self.allow_multiple_selected:
            chosen.clear()  # one choice: only the first option with the value is selected
        return format_html(
            '<option value="{}"{}>{}</option>', value, SELECTED if selected else "", label
        )


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    """``QuickSelect`` for several values (``<select multiple>``)."""
