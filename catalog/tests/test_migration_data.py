"""A fresh `migrate` has the catalogue: the data migration ran the same loaders."""

from __future__ import annotations

import pytest

from catalog.models import Category, FilingStandard
from core.models import TimeUnit

pytestmark = pytest.mark.django_db


def test_the_directory_is_there_after_migrate():
    assert Category.objects.filter(kind="component").count() == 153
    assert Category.objects.filter(kind="event").count() == 250
    assert Category.objects.filter(is_active=True).count() == 403


def test_the_starter_standards_are_there_after_migrate():
    standards = FilingStandard.objects.select_related("category")
    assert standards.count() >= 60
    assert standards.values("category").distinct().count() >= 30
    assert set(standards.values_list("time_unit", flat=True)) == set(TimeUnit.values)
    assert standards.exclude(limit_a=None).count() >= 3
    assert not standards.filter(source=""), "every row records where it comes from"


def test_well_known_standards_map_onto_gb47678_codes():
    # Yuncheng 0101 上水井盖 -> 01001 供水井盖; 0110 暴露生活垃圾 -> 06010 暴露垃圾 (standards.md §2.4).
    cover = FilingStandard.objects.get(code="01001-01")
    assert (cover.category.kind, cover.category.code) == ("component", "01001")
    assert (cover.time_limit, cover.time_unit) == (2, TimeUnit.URGENT_HOUR)
    garbage = FilingStandard.objects.get(code="06010-01")
    assert (garbage.time_limit, garbage.time_unit) == (4, TimeUnit.WORK_HOUR)
    building = FilingStandard.objects.get(code="06001-01")
    assert building.time_unit == TimeUnit.NATURAL_DAY, "紧急工作日 is read as calendar days"
    lamp = FilingStandard.objects.filter(category__code="01037", filing_condition="单盏不亮").get()
    assert (lamp.time_limit, lamp.time_unit) == (2, TimeUnit.WORK_DAY)
