"""Login and the home page: the user's scope and counts per tier."""

from __future__ import annotations

import pytest
from django.test import Client

from org.factories import DEFAULT_PASSWORD


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_login_page_is_chinese_by_default_and_english_under_en(db):
    browser = Client()  # no Accept-Language: the platform default applies
    assert "登录" in browser.get("/login/").content.decode()
    assert "Log in" in browser.get("/en/login/").content.decode()


def test_login_with_wrong_password_says_so(personas):
    response = Client().post("/login/", {"username": "inspector_alpha", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_street_inspector_home_shows_only_their_street(client, personas):
    assert client.login(username="inspector_alpha", password=DEFAULT_PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    ctx = response.context
    counts = {level: n for level, _label, n in ctx["tiers"]}
    assert counts == {"city": 0, "district": 0, "street": 1, "community": 2}
    assert ctx["grid_count"] == 8
    assert [a.code for a in ctx["scope_areas"]] == ["330203001"]


def test_city_leader_home_counts_every_tier(client, personas):
    client.force_login(personas["city_leader"])
    counts = {level: n for level, _label, n in client.get("/").context["tiers"]}
    assert counts == {"city": 1, "district": 2, "street": 3, "community": 4}


def test_user_without_areas_is_told(client, db, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x" * 12)
    client.force_login(user)
    body = client.get("/en/").content.decode()
    assert "No area is assigned to you yet" in body


@pytest.mark.parametrize(
    ("username", "lands_on"),
    [
        ("disposer_roads", "/en/cases/m/tasks/"),  # my department's tasks
        ("inspector_alpha", "/en/cases/m/inspect/"),  # 巡查: verify and check on site
        ("dispatcher", "/en/cases/"),  # the workbench
        ("operator_beta", "/en/cases/"),
        ("leader", "/en/"),  # the overview
    ],
)
def test_each_role_lands_where_it_works_after_login(personas, username, lands_on):
    browser = Client()
    response = browser.post(
        "/en/login/", {"username": username, "password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


def test_a_login_with_next_goes_there(personas):
    response = Client().post(
        "/en/login/?next=/en/cases/",
        {"username": "disposer_roads", "password": DEFAULT_PASSWORD},
    )
    assert response["Location"] == "/en/cases/"
