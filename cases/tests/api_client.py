"""A thin JSON client for the case API tests: one logged-in (or token) client per persona."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

BASE = "/api/v1"


@dataclass
class Api:
    """Calls /api/v1 as one user; ``post`` sends JSON, ``upload`` sends multipart."""

    client: Client
    headers: dict

    def get(self, path: str, params=None):
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            BASE + path, body or {}, content_type="application/json", headers=self.headers
        )

    def upload(self, number: str, *, kind: str, photos, task: int | None = None, note: str = ""):
        data = {"kind": kind, "photos": list(photos), "note": note}
        if task is not None:
            data["task"] = task
        return self.client.post(f"{BASE}/cases/{number}/evidence", data, headers=self.headers)


def as_user(user) -> Api:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return Api(client, {})


def with_token(key: str, *, header: str = "Authorization") -> Api:
    value = f"Bearer {key}" if header == "Authorization" else key
    return Api(Client(headers={"accept-language": "en"}), {header: value})


def ok(response, status: int = 200) -> dict:
    """The JSON body, after checking the status (the body is in the failure message)."""
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()[:2000]
    body = response.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body
