"""QuickSelect writes the same <select> as Django's template-rendered one."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html

from core.widgets import QuickSelect, QuickSelectMultiple

CHOICES = [
    ("", "All"),
    ("a", "Alpha & <b>bold</b>"),
    ("Group 组", [("g1", "One"), ("g2", '"Two"')]),
    (3, "Three"),
]


def both(field_class, widget, django_widget, data, **kwargs):
    class Quick(forms.Form):
        f = field_class(choices=CHOICES, widget=widget, **kwargs)

    class Plain(forms.Form):
        f = field_class(choices=CHOICES, widget=django_widget, **kwargs)

    return str(Quick(data)["f"]), str(Plain(data)["f"])


def test_the_same_select_with_optgroups_escaping_and_the_required_attribute():
    quick, plain = both(forms.ChoiceField, QuickSelect, forms.Select, {"f": "g2"})
    assert parse_html(quick) == parse_html(plain)
    assert "&lt;b&gt;" in quick and "<b>" not in quick and "required" in quick
    assert '<option value="g2" selected>' in quick


def test_nothing_chosen_and_a_number_value():
    quick, plain = both(forms.ChoiceField, QuickSelect, forms.Select, {"f": "3"}, required=False)
    assert parse_html(quick) == parse_html(plain) and '<option value="3" selected>' in quick
    quick, plain = both(forms.ChoiceField, QuickSelect, forms.Select, None, required=False)
    assert parse_html(quick) == parse_html(plain)
    assert quick.count(" selected") == 1 and '<option value="" selected>' in quick


def test_several_chosen():
    quick, plain = both(
        forms.MultipleChoiceField,
        QuickSelectMultiple(attrs={"size": 5}),
        forms.SelectMultiple(attrs={"size": 5}),
        {"f": ["a", "g1"]},
    )
    assert parse_html(quick) == parse_html(plain)
    assert "multiple" in quick and quick.count(" selected") == 2


def test_a_nameless_group_stands_ungrouped_and_one_value_is_selected_once():
    choices = [("", [("a", "A"), ("b", "B")]), ("a", "A again")]

    class Quick(forms.Form):
        f = forms.ChoiceField(choices=choices, widget=QuickSelect)

    class Plain(forms.Form):
        f = forms.ChoiceField(choices=choices, widget=forms.Select)

    quick, plain = str(Quick({"f": "a"})["f"]), str(Plain({"f": "a"})["f"])
    assert parse_html(quick) == parse_html(plain)
    assert "optgroup" not in quick and quick.count(" selected") == 1
