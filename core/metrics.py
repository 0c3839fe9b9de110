"""Prometheus metrics at ``/metrics`` (prometheus-client).

Counted where things happen: request count and latency per route (``MetricsMiddleware``),
telemetry stored and refused per channel (``iot.ingest.batch.write_batch``). Read when scraped:
tasks waiting in the queue, seconds since the SLA scanner (时限扫描) last finished.

Under ``serve`` every process (gunicorn workers, huey consumers, MQTT consumers) writes its
counters to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up
(``MultiProcessCollector``); without that variable (tests, a single process) the process's own
registry answers. Routes are labelled by their URL pattern (``api/v1/cases/<int:number>``), never
by the raw path, so the number of series stays bounded.
"""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "(unmatched)"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

REQUESTS = Counter("cityops_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "cityops_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
TELEMETRY_STORED = Counter(
    "cityops_telemetry_stored", "Readings and track points stored", ["channel"]
)
TELEMETRY_REFUSED = Counter(
    "cityops_telemetry_refused",
    "Telemetry messages refused (dead-lettered or from unknown devices)",
    ["channel"],
)

MQTT_BROKER_DROPPED = Gauge(
    "cityops_mqtt_broker_dropped",
    "Messages the MQTT broker dropped over its queue limits since it started "
    "($SYS/broker/publish/messages/dropped, as the ingest consumers last read it)",
    multiprocess_mode="livemax",  # the live consumers' reading: a restarted broker counts anew
)


def record_batch(*, channel: str, stored: int, refused: int) -> None:
    if stored:
        TELEMETRY_STORED.labels(channel=channel).inc(stored)
    if refused:
        TELEMETRY_REFUSED.labels(channel=channel).inc(refused)


class LiveCollector:
    """Gauges read at scrape time from shared state (the queue, the heartbeat table)."""

    def collect(self):
        from huey.contrib.djhuey import HUEY

        from core.heartbeat import SLA_SCAN, lag

        queue = GaugeMetricFamily("cityops_queue_pending", "Tasks waiting in the huey queue")
        queue.add_metric([], HUEY.pending_count())
        yield queue
        seconds = lag(SLA_SCAN)
        scan = GaugeMetricFamily(
            "cityops_sla_scan_lag_seconds",
            "Seconds since the SLA scanner last finished (NaN: never ran)",
        )
        scan.add_metric([], float("nan") if seconds is None else seconds)
        yield scan


# Any other method name (gunicorn passes e.g. "AAAB") would be a new series per name.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _method(request) -> str:
    return request.method if request.method in METHODS else "OTHER"


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route, method = _route(request), _method(request)
        LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
        REQUESTS.labels(method=method, route=route, status=response.status_code).inc()
        return response


def has_operator_token(request) -> bool:
    """The request carries METRICS_TOKEN (the operators' scraper or monitor); without a token
    set, nobody does. Only a scraper with METRICS_TOKEN; without a token the endpoint is off. (Not "loopback
    only": behind a reverse proxy on the same machine every visitor comes from loopback.)"""
    token = settings.METRICS_TOKEN
    if not token:
        return False
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())


def metrics_view(request):
    if not has_operator_token(request):
        # The same answer as any unknown page: a scraper is configured, a stranger learns nothing.
        return HttpResponse(status=404)
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, TELEMETRY_STORED, TELEMETRY_REFUSED):
            registry.register(collector)
    registry.register(LiveCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
