"""Switching the language works both ways, whatever the browser or cookie said before."""

from __future__ import annotations

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
