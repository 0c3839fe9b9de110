"""FilingStandard.limit_for: the limit that applies in an area class (A/B/C)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Category, FilingStandard

pytestmark = pytest.mark.django_db


def _standard(**limits) -> FilingStandard:
    category = Category.objects.get(kind="event", code="09006")
    return FilingStandard(
        category=category,
        code="T-1",
        filing_condition="a",
        closing_condition="b",
        time_limit=Decimal("2"),
        time_unit="urgent_hour",
        **limits,
    )


def test_a_class_limit_applies_in_its_class_and_falls_back_elsewhere():
    standard = _standard(limit_a=Decimal("1"), limit_c=Decimal("4"))
    assert standard.limit_for("A") == 1
    assert standard.limit_for("B") == 2, "blank class limit -> time_limit"
    assert standard.limit_for("C") == 4
    assert standard.limit_for(None) == 2
    assert standard.limit_for("") == 2


def test_the_starter_set_has_a_shorter_limit_in_the_core_area():
    standard = FilingStandard.objects.get(code="09006-01")
    assert standard.limit_for("A") < standard.limit_for("B") < standard.limit_for("C")


def test_limits_must_be_positive():
    with pytest.raises(ValidationError) as caught:
        _standard(limit_b=Decimal("0")).full_clean()
    assert "limit_b" in caught.value.message_dict


def test_a_category_code_is_5_digits_starting_with_its_major():
    with pytest.raises(ValidationError):
        Category(kind="event", code="0601", name="x", major_code="06", major_name="y").clean()
    with pytest.raises(ValidationError):
        Category(kind="event", code="07001", name="x", major_code="06", major_name="y").clean()
