"""Switching the language works both ways, whatever the browser or cookie said before."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("browser", "language", "next_url", "expected"),
    [
        ("zh-hans", "zh-hans", "/en/cases/?queue=escalated", "/cases/?queue=escalated"),
        ("en", "zh-hans", "/en/cases/", "/cases/"),
        ("zh-hans", "en", "/cases/?queue=returns", "/en/cases/?queue=returns"),
        ("en", "en", "/cases/", "/en/cases/"),
    ],
)
def test_the_language_switch_goes_to_the_same_page_in_the_chosen_language(
    browser, language, next_url, expected
):
    client = Client(headers={"accept-language": browser})
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302 and response["Location"] == expected
    assert response.cookies["django_language"].value == language


def test_a_foreign_next_is_not_followed():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/en/"  # home, in English


def test_the_admin_widgets_speak_the_page_language(admin_client):
    """The admin's two-box picker (filter_horizontal) reads Chinese on a Chinese page, not
    "Choose 类别 by selecting them": Django 5.2's zh_Hans catalog lacks its new texts, ours
    (locale/zh_Hans/LC_MESSAGES/djangojs.po) fills them."""
    zh = admin_client.get("/admin/jsi18n/").content.decode()
    en = admin_client.get("/en/admin/jsi18n/").content.decode()
    chosen = json.dumps("选中%s，然后点击“选择”箭头按钮。")  # the catalog escapes as JSON does
    assert (
        json.dumps('Choose %s by selecting them and then select the "Choose" arrow button.') in zh
    )
    assert chosen in zh and json.dumps("选择全部%s") in zh
    assert chosen not in en


@pytest.mark.parametrize(
    ("language", "unauthorized", "required"),
    [("zh-hans", "登录", "此项必填"), ("en", "Log in", "this field is required")],
)
def test_api_errors_follow_the_request_language(admin_client, language, unauthorized, required):
    headers = {"accept-language": language}
    anonymous = Client().post(
        "/api/v1/cases/NB000/verify", {}, content_type="application/json", headers=headers
    )
    assert anonymous.status_code == 401 and unauthorized in anonymous.json()["message"]
    invalid = admin_client.post(
        "/api/v1/cases/NB000/void", {}, content_type="application/json", headers=headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["message"] == f"reason: {required}"


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "JSON"), ("en", "not valid JSON")])
def test_malformed_json_is_a_400_in_the_error_shape(admin_client, language, words):
    response = admin_client.post(
        "/api/v1/cases/NB000/void",
        data="{bad json",
        content_type="application/json",
        headers={"accept-language": language},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_json" and words in body["message"]


def test_an_oversized_body_is_a_json_413_not_an_html_page(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = admin_client.post(
        "/api/v1/cases/NB000/void",
        data=json.dumps({"reason": "x" * 5000}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"
