"""/healthz and /readyz: what a load balancer and a service manager ask, answered first.

Redis and the broker are the CI's real ones (REDIS_URL_TEST, MQTT_URL_TEST); a closed port
stands for one that is down.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops import health
from core.heartbeat import SLA_SCAN, beat, lag

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _roomy_queue(settings, monkeypatch):
    # The embedded queue file under var/ is shared with whatever else ran on this checkout.
    settings.READY_MAX_QUEUE = 10**9
    settings.METRICS_TOKEN = "ops-token"
    monkeypatch.setattr(health, "CACHE_SECONDS", 0)  # every request checks afresh here


def _details(client, path="/readyz"):
    return client.get(path, HTTP_AUTHORIZATION="Bearer ops-token")


def test_healthz_answers_for_any_host_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # by address, not in ALLOWED_HOSTS
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no language cookie


def test_readyz_checks_the_database_queue_and_scanner(client, settings):
    settings.REDIS_URL = ""
    settings.MQTT_URL = ""
    response = client.get("/readyz/", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "queue", "sla_scan"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["pending"] >= 0
    # Never ran yet (a fresh install's first minute) is not a failure.
    assert body["checks"]["sla_scan"] == {
        "ok": True,
        "lag_seconds": None,
        "ms": pytest.approx(0, abs=5000),
    }


def test_a_stale_sla_scanner_degrades_but_keeps_the_node_in_service(client, settings):
    settings.READY_MAX_SCAN_LAG_SECONDS = 300
    beat(SLA_SCAN, at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz")
    # A stalled worker must raise an alert, not take every web node out of the balancer.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["sla_scan"]["ok"] is False
    assert body["checks"]["sla_scan"]["lag_seconds"] >= 600
    beat(SLA_SCAN)
    assert client.get("/readyz").json()["status"] == "ready"


def test_a_queue_past_its_limit_degrades(client, settings):
    settings.READY_MAX_QUEUE = -1
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["checks"]["queue"]["ok"] is False


def test_a_database_that_fails_is_named_with_its_error(client, monkeypatch):
    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "not ready"
    # The error text (hosts, users) only for the operators' token.
    assert "error" not in response.json()["checks"]["database"]
    detailed = _details(client).json()["checks"]["database"]
    assert detailed["error"] == "RuntimeError: connection refused"


def test_unapplied_migrations_make_the_server_not_ready(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = _details(client)
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "1 migrations not applied"


def test_redis_and_the_broker_are_checked_when_configured(client, settings):
    settings.REDIS_URL = settings.REDIS_URL_TEST
    settings.MQTT_URL = settings.MQTT_URL_TEST
    checks = client.get("/readyz").json()["checks"]
    assert checks["redis"]["ok"] is True, checks
    assert checks["broker"]["ok"] is True, checks

    settings.MQTT_URL = f"mqtt://127.0.0.1:{_closed_port()}"
    response = _details(client)
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False and "ConnectionRefusedError" in checks["broker"]["error"]

    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = _details(client)
    assert response.status_code == 503 and response.json()["status"] == "not ready"
    assert "ConnectionError" in response.json()["checks"]["redis"]["error"]


def test_health_paths_take_only_get_and_head(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head("/readyz").status_code == 200


def test_the_sla_scan_task_beats_after_each_run():
    from dispatch.tasks import scan_sla

    assert lag(SLA_SCAN) is None
    scan_sla.call_local()
    assert lag(SLA_SCAN) < 5


def test_a_flood_of_readiness_checks_checks_once_a_second(client, monkeypatch):
    monkeypatch.setattr(health, "CACHE_SECONDS", 60)
    monkeypatch.setattr(health, "_last", None)
    calls = []
    real = health.check_database
    monkeypatch.setattr(health, "check_database", lambda: calls.append(1) or real())
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    assert len(calls) == 1
