"""/api/v1/categories: list with filters, suggest, and one category with its standards."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, django_user_model):
    user = django_user_model.objects.create_user(username="reader", password="x")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted in English
    return client


def test_anonymous_callers_get_401(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_list_has_every_active_category_in_code_order(api):
    body = api.get("/api/v1/categories").json()
    assert len(body) == 403
    first = body[0]
    assert set(first) >= {
        "id",
        "kind",
        "code",
        "name",
        "major_code",
        "major_name",
        "plain_name",
        "keywords",
        "is_local",
    }
    assert (first["kind"], first["code"]) == ("component", "01001")
    assert isinstance(first["keywords"], list)


def test_the_list_filters_by_kind_and_major(api):
    body = api.get("/api/v1/categories", {"kind": "event", "major": "09"}).json()
    assert len(body) == 21
    assert {c["kind"] for c in body} == {"event"}
    assert {c["major_code"] for c in body} == {"09"}


def test_inactive_categories_are_hidden(api):
    from catalog.models import Category

    Category.objects.filter(kind="event", code="09006").update(is_active=False)
    codes = [c["code"] for c in api.get("/api/v1/categories", {"kind": "event"}).json()]
    assert "09006" not in codes and len(codes) == 249


def test_q_searches_by_code_prefix_or_by_words(api):
    by_code = api.get("/api/v1/categories", {"q": "0600", "kind": "event"}).json()
    assert [c["code"] for c in by_code] == [f"0600{i}" for i in range(1, 10)]
    by_words = api.get("/api/v1/categories", {"q": "路边摆摊"}).json()
    assert by_words[0]["code"] in {"09001", "09006"}


def test_a_bad_kind_or_major_is_a_422_with_the_error_body(api):
    response = api.get("/api/v1/categories", {"kind": "thing"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "kind" in response.json()["message"]
    assert api.get("/api/v1/categories", {"major": "6"}).status_code == 422


def test_suggest_returns_scored_categories(api):
    response = api.get("/api/v1/categories/suggest", {"text": "井盖坏了", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 2
    assert (body[0]["kind"], body[0]["code"]) == ("component", "01023")
    assert body[0]["score"] > body[1]["score"]
    assert "井盖坏了" in body[0]["matched"]


def test_suggest_needs_text(api):
    response = api.get("/api/v1/categories/suggest")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_one_category_comes_with_its_standards(api):
    body = api.get("/api/v1/categories/component/01001").json()
    assert body["name"] == "供水井盖"
    assert "47678.5" in body["source"]
    first = body["standards"][0]
    assert first["code"] == "01001-01"
    assert first["time_limit"] == 2.0
    assert first["time_unit"] == "urgent_hour"
    assert (first["limit_a"], first["limit_b"], first["limit_c"]) == (1.0, 2.0, 4.0)
    assert first["time_unit_label"]
    assert [s["code"] for s in body["standards"]] == [
        "01001-01",
        "01001-02",
        "01001-03",
        "01001-04",
    ]


def test_inactive_standards_are_left_out(api):
    from catalog.models import FilingStandard

    FilingStandard.objects.filter(code="01001-02").update(is_active=False)
    body = api.get("/api/v1/categories/component/01001").json()
    assert "01001-02" not in [s["code"] for s in body["standards"]]


def test_the_same_code_differs_by_kind(api):
    assert api.get("/api/v1/categories/event/01001").json()["name"] == "供水井盖异常"


def test_an_unknown_category_is_a_404_with_the_error_body(api):
    response = api.get("/api/v1/categories/event/06999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "category_not_found",
        "message": "No active category event 06999.",
    }
    assert api.get("/api/v1/categories/thing/06010").status_code == 422
