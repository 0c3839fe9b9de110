"""Counting no further than a person reads: capped counts and the pager built on them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from core import paging


@pytest.fixture
def areas(db):
    """Five rows of any table (groups), in a fixed order."""
    Group.objects.bulk_create(Group(name=f"9900{n}") for n in range(5))
    return Group.objects.filter(name__startswith="9900").order_by("name")


def test_capped_count_is_exact_up_to_the_cap(areas):
    assert paging.capped_count(areas, cap=5) == (5, False)
    assert paging.capped_count(areas, cap=10) == (5, False)
    assert paging.capped_count(areas.none(), cap=10) == (0, False)


def test_capped_count_stops_at_the_cap(areas):
    assert paging.capped_count(areas, cap=4) == (4, True)
    assert paging.capped_count(areas, cap=0) == (0, True)


def test_capped_count_reads_the_module_cap_when_none_is_given(areas, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    assert paging.capped_count(areas) == (2, True)


def test_the_pager_stops_at_the_cap(areas):
    pager = paging.CappedPaginator(areas, 2, cap=3)
    assert (pager.count, pager.more, pager.num_pages) == (3, True, 2)
    last = pager.get_page(99)
    assert [g.name for g in last] == ["99002"]  # the third row: the last the cap reaches


def test_a_known_count_is_not_counted_again(areas, django_assert_num_queries):
    pager = paging.CappedPaginator(areas, 2, known=5)
    with django_assert_num_queries(0):
        assert (pager.count, pager.num_pages, pager.more) == (5, 3, False)
