"""Scope: every user sees their own slice of the five tiers and nothing else."""

from __future__ import annotations

from areas.models import AdminArea, UnitGrid
from org.selectors import can_see_path, scope, visible_areas


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_street_inspector_sees_only_their_street(personas, small_city):
    user = personas["alpha_inspector"]
    assert codes(visible_areas(user)) == ["330203001", "330203001001", "330203001002"]
    grids = scope(UnitGrid.objects.all(), user)
    assert grids.count() == 8
    assert all(code.startswith("330203001") for code in codes(grids))


def test_street_operator_cannot_see_neighbouring_street(personas, small_city):
    user = personas["beta_operator"]
    assert not can_see_path(user, small_city.alpha.path)
    assert can_see_path(user, small_city.communities["beta1"].path)
    assert "330203001" not in codes(visible_areas(user))


def test_city_leader_sees_everything_below_the_city(personas):
    assert visible_areas(personas["city_leader"]).count() == AdminArea.objects.count()


def test_disposer_without_area_scope_falls_back_to_department_area(personas):
    # The roads bureau answers for the whole city.
    assert visible_areas(personas["roads_disposer"]).count() == AdminArea.objects.count()


def test_superuser_sees_all(personas):
    assert scope(UnitGrid.objects.all(), personas["admin"]).count() == UnitGrid.objects.count()


def test_user_without_profile_sees_nothing(db, small_city, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x" * 12)
    assert visible_areas(stranger).count() == 0


def test_anonymous_sees_nothing(small_city):
    from django.contrib.auth.models import AnonymousUser

    assert visible_areas(AnonymousUser()).count() == 0
