"""The areas admin: lists, search, filters and change pages load; actions keep the index fresh."""

from __future__ import annotations

import pytest
from django.urls import reverse

from areas.models import AdminArea, UnitGrid
from core.spatial import grid_index


@pytest.fixture
def admin(client, personas):
    client.force_login(personas["admin"])
    return client


@pytest.mark.parametrize("model", ["adminarea", "unitgrid"])
def test_changelist_add_and_change_pages_load(admin, small_city, model):
    obj = (AdminArea if model == "adminarea" else UnitGrid).objects.first()
    assert admin.get(reverse(f"admin:areas_{model}_changelist")).status_code == 200
    assert admin.get(reverse(f"admin:areas_{model}_add")).status_code == 200
    assert admin.get(reverse(f"admin:areas_{model}_change", args=[obj.pk])).status_code == 200


def test_grid_search_and_filters(admin, small_city):
    url = reverse("admin:areas_unitgrid_changelist")
    response = admin.get(url, {"q": "Beta-1"})
    assert response.context["cl"].result_count == 4
    response = admin.get(url, {"street": "330203001"})
    assert response.context["cl"].result_count == 8
    response = admin.get(url, {"district": "330205", "area_class": "B"})
    assert response.context["cl"].result_count == 4


def test_area_search_and_level_filter(admin, small_city):
    url = reverse("admin:areas_adminarea_changelist")
    assert admin.get(url, {"q": "Alpha"}).context["cl"].result_count == 3
    assert admin.get(url, {"level": "street"}).context["cl"].result_count == 3


def test_parent_autocomplete_answers(admin, small_city):
    response = admin.get(
        reverse("admin:autocomplete"),
        {"app_label": "org", "model_name": "department", "field_name": "area", "term": "Alp"},
    )
    assert response.status_code == 200
    assert {r["text"] for r in response.json()["results"]} >= {"Alpha (330203001)"}


def test_deactivate_action_takes_grids_off_the_index(admin, small_city):
    grid = UnitGrid.objects.get(code="330203001001001")
    assert grid_index.locate(121.505, 29.865) == grid.pk
    admin.post(
        reverse("admin:areas_unitgrid_changelist"),
        {"action": "deactivate", "_selected_action": [grid.pk]},
    )
    grid.refresh_from_db()
    assert not grid.is_active
    assert grid_index.locate(121.505, 29.865) is None


def test_refresh_boundaries_action(admin, small_city):
    admin.post(
        reverse("admin:areas_adminarea_changelist"),
        {"action": "refresh_boundaries", "_selected_action": [small_city.city.pk]},
    )
    small_city.city.refresh_from_db()
    assert small_city.city.boundary_derived and small_city.city.centroid_lon is not None
