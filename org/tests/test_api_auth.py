"""API authentication: session or bearer token; errors always {"code", "message"}."""

from __future__ import annotations

import pytest

from org.models import ApiToken
from org.services import api_token_create


@pytest.fixture
def dispatcher_token(personas):
    _row, key = api_token_create(user=personas["city_dispatcher"], name="test")
    return key


def test_anonymous_call_gets_401_with_error_body(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert "Bearer" in body["message"]


def test_bearer_token_authenticates_and_records_use(client, dispatcher_token):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {dispatcher_token}"})
    assert response.status_code == 200
    assert response.json()["username"] == "dispatcher"
    assert response.json()["role"] == "dispatcher"
    assert ApiToken.objects.get().last_used_at is not None


def test_x_api_key_header_also_works(client, dispatcher_token):
    response = client.get("/api/v1/me", headers={"X-API-Key": dispatcher_token})
    assert response.status_code == 200


def test_wrong_or_revoked_token_is_refused(client, dispatcher_token):
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    ApiToken.objects.update(is_active=False)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {dispatcher_token}"})
    assert response.status_code == 401


def test_only_the_digest_is_stored(dispatcher_token):
    row = ApiToken.objects.get()
    assert dispatcher_token not in (row.digest, row.prefix)
    assert dispatcher_token.startswith(row.prefix)


def test_session_login_works(client, personas):
    client.force_login(personas["alpha_inspector"])
    body = client.get("/api/v1/me").json()
    assert body["role"] == "inspector"
    assert body["scope_paths"] == ["/330200/330203/330203001/"]


def test_validation_errors_use_the_same_body(client, personas):
    client.force_login(personas["city_leader"])
    response = client.get("/api/v1/grids/locate", {"lon": "east", "lat": 29.8})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "lon" in body["message"]


def test_openapi_document_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "CityOps API"
    assert "/api/v1/areas" in spec["paths"]


def test_api_messages_follow_accept_language_defaulting_to_chinese(personas):
    from django.test import Client

    outside = {"lon": 100.0, "lat": 20.0}
    default = Client()
    default.force_login(personas["city_leader"])
    assert "没有单元网格包含该点" in default.get("/api/v1/grids/locate", outside).json()["message"]
    english = Client(headers={"accept-language": "en"})
    english.force_login(personas["city_leader"])
    assert "No unit grid contains" in english.get("/api/v1/grids/locate", outside).json()["message"]
