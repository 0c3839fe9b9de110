"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for load balancers,
service managers and monitoring.

Both are answered by ``HealthMiddleware``, first in the chain, before host validation, the HTTPS
redirect, sessions and the language: a load balancer asks by address over plain HTTP, and a
health check must not write a session. ``/readyz`` checks the database (and that every migration
is applied) and Redis when ``REDIS_URL`` is set: without them this process cannot serve, so a
failure answers 503 and the load balancer takes the node out. The MQTT broker (with ``MQTT_URL``),
the task queue's depth and how late the SLA scanner (时限扫描) is are checked too but answer
200 with ``"status": "degraded"``: a stalled worker must raise an alert, not take every web node
out of service. The body names each check with ok/false and numbers; error texts (which may
name hosts and users) only for a caller with METRICS_TOKEN. One result per second per process,
so a flood of health checks opens no flood of connections.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse

from core.metrics import has_operator_token

HEALTH_PATHS = ("/healthz", "/readyz")
CHECK_TIMEOUT_SECONDS = 2.0
MQTT_DEFAULT_PORT = 1883

_migrated = False  # once every migration is applied it stays so for the life of the process


def _timed(check: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a check that raises is a failed check, with what it said
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    global _migrated
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return {"ok": False, "error": f"{len(plan)} migrations not applied"}
        _migrated = True
    return {"ok": True}


def check_redis() -> dict:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        return {"ok": bool(client.ping())}
    finally:
        client.close()


def check_broker() -> dict:
    parts = urlsplit(settings.MQTT_URL)
    with socket.create_connection(
        (parts.hostname, parts.port or MQTT_DEFAULT_PORT), timeout=CHECK_TIMEOUT_SECONDS
    ):
        return {"ok": True}


def check_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    pending = HUEY.pending_count()
    return {"ok": pending <= settings.READY_MAX_QUEUE, "pending": pending}


def check_sla_scan() -> dict:
    """Stale once the scanner has not finished for READY_MAX_SCAN_LAG_SECONDS; a scanner that
    never ran yet (a fresh install, its first minute) is not a failure."""
    from core.heartbeat import SLA_SCAN, lag

    seconds = lag(SLA_SCAN)
    if seconds is None:
        return {"ok": True, "lag_seconds": None}
    return {"ok": seconds <= settings.READY_MAX_SCAN_LAG_SECONDS, "lag_seconds": round(seconds)}


# Checks whose failure means this process cannot serve (503); the others only degrade it.
ESSENTIAL = ("database", "redis")
CACHE_SECONDS = 1.0
_last: tuple[float, str, dict[str, dict]] | None = None


def readiness() -> tuple[str, dict[str, dict]]:
    """("ready" | "degraded" | "not ready", each check's result)."""
    global _last
    now = time.monotonic()
    if _last is not None and now - _last[0] < CACHE_SECONDS:
        return _last[1], _last[2]
    checks: dict[str, Callable[[], dict]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    if settings.MQTT_URL:
        checks["broker"] = check_broker
    checks["queue"] = check_queue
    checks["sla_scan"] = check_sla_scan
    results = {name: _timed(check) for name, check in checks.items()}
    failing = {name for name, r in results.items() if not r["ok"]}
    if failing & set(ESSENTIAL):
        status = "not ready"
    else:
        status = "degraded" if failing else "ready"
    _last = (now, status, results)
    return status, results


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _json(405, {"code": "method_not_allowed", "message": "GET or HEAD"})
            response["Allow"] = "GET, HEAD"
            return response
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        status, results = readiness()
        if not has_operator_token(request):
            results = {
                name: {k: v for k, v in r.items() if k != "error"} for name, r in results.items()
            }
        return _json(503 if status == "not ready" else 200, {"status": status, "checks": results})
