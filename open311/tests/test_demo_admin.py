"""The demo city's Open311 key, and the admin pages for services and api keys."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient

from demo.credentials import DemoCredentials, with_url
from open311 import demo, services
from open311.models import Client
from open311.tests.conftest import MANHOLE
from org.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_key_is_fixed_by_the_seed_and_created_once(post):
    assert demo.demo_key(1) == demo.demo_key(1) != demo.demo_key(2)
    assert demo.section(1) is None  # nothing published before the key exists
    first = demo.ensure_client(1)
    assert demo.ensure_client(1).pk == first.pk
    assert services.client_for_key(demo.demo_key(1)) == first
    assert post(api_key=demo.demo_key(1)).status_code == 200


def test_the_credentials_file_publishes_the_endpoint_and_key(db):
    demo.ensure_client(7)
    credentials = DemoCredentials(
        seed=7, password="x", logins=[], api_token=None, open311=demo.section(7)
    )
    data = credentials.as_json("http://127.0.0.1:8000/")
    assert data["open311"]["endpoint"] == "http://127.0.0.1:8000/open311/v2"
    assert data["open311"]["api_key"] == demo.demo_key(7)
    assert data["open311"]["jurisdiction_id"] == "cityops.local"
    assert "open311" not in data["pending"]
    moved = with_url(data, "http://demo.example:9000")
    assert moved["open311"]["discovery"] == "http://demo.example:9000/open311/v2/discovery.json"


@pytest.fixture
def admin_client(personas):
    client = HttpClient(headers={"accept-language": "en"})
    assert client.login(username="admin", password=DEFAULT_PASSWORD)
    return client


def test_admin_lists_services_and_keys(admin_client, api_key):
    assert admin_client.get("/en/admin/open311/service/").status_code == 200
    page = admin_client.get("/en/admin/open311/service/?q=01001")
    assert MANHOLE in page.content.decode()
    assert admin_client.get("/en/admin/open311/client/").status_code == 200
    assert admin_client.get("/en/admin/open311/submission/").status_code == 200


def test_adding_a_key_in_the_admin_shows_it_once(admin_client):
    response = admin_client.post(
        "/en/admin/open311/client/add/",
        {"name": "Partner app", "contact": "", "is_active": "on", "rate_per_hour": "60"},
        follow=True,
    )
    assert response.status_code == 200
    client = Client.objects.get(name="Partner app")
    message = next(str(m) for m in response.context["messages"])
    key = re.search(r" is (\S+) — copy it now", message)[1]
    assert services.client_for_key(key) == client
    assert client.prefix == key[:8] and client.rate_per_hour == 60
