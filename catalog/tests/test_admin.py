"""The admin pages for categories and filing standards load, search and filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Category, FilingStandard

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "井盖"},
        {"kind__exact": "event"},
        {"is_active__exact": "1", "is_local__exact": "0"},
        {"major_name": "街面秩序类"},
        {"o": "7"},  # sort by standards count
    ],
)
def test_category_list_loads_with_search_and_filters(admin_client, params):
    response = admin_client.get(reverse("admin:catalog_category_changelist"), params)
    assert response.status_code == 200


def test_category_search_finds_plain_names(admin_client):
    response = admin_client.get(reverse("admin:catalog_category_changelist"), {"q": "摆摊"})
    assert "占道经营" in response.content.decode()


def test_category_page_shows_its_standards_inline(admin_client):
    category = Category.objects.get(kind="component", code="01037")
    response = admin_client.get(reverse("admin:catalog_category_change", args=[category.pk]))
    assert response.status_code == 200
    assert "单盏不亮" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "井盖"},
        {"time_unit__exact": "urgent_hour"},
        {"category__kind__exact": "component"},
    ],
)
def test_standard_list_loads_with_search_and_filters(admin_client, params):
    response = admin_client.get(reverse("admin:catalog_filingstandard_changelist"), params)
    assert response.status_code == 200


def test_standard_page_and_add_page_load(admin_client):
    standard = FilingStandard.objects.get(code="06010-01")
    url = reverse("admin:catalog_filingstandard_change", args=[standard.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:catalog_filingstandard_add")).status_code == 200


def test_category_autocomplete_answers(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "catalog",
            "model_name": "filingstandard",
            "field_name": "category",
            "term": "路灯",
        },
    )
    assert response.status_code == 200
    assert any("路灯" in r["text"] for r in response.json()["results"])
