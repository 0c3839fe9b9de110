"""/metrics: Prometheus figures for a scraper holding METRICS_TOKEN, nothing for anyone else."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from core.heartbeat import SLA_SCAN, beat
from iot.ingest.batch import Message, write_batch
from iot.models import Channel

pytestmark = pytest.mark.django_db


def _value(text: str, name: str, *, required: bool = False, **labels) -> float:
    """The sample ``name{labels}`` in an exposition text (0 when absent, unless ``required``)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == str(v) for k, v in labels.items()):
            return float(match.group(3))
    assert not required, f"no sample {name} {labels}"
    return 0.0


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = "s3cret"

    def get() -> str:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return get


def test_metrics_are_off_without_a_token_and_hidden_from_a_wrong_one(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 404


def test_an_unknown_method_is_counted_as_other(client, scrape):
    client.generic("AAAB", "/citizen/")
    text = scrape()
    assert 'method="AAAB"' not in text
    assert 'cityops_http_requests_total{method="OTHER",route="citizen/"' in text


def test_requests_are_counted_and_timed_by_route_not_by_path(client, scrape):
    before = scrape()
    route = "citizen/t/<str:token>/"
    for number in ("A1", "B2", "C3"):
        client.get(f"/citizen/t/{number}/")
    after = scrape()
    counted = sum(
        _value(after, "cityops_http_requests_total", method="GET", route=route, status=s)
        - _value(before, "cityops_http_requests_total", method="GET", route=route, status=s)
        for s in (200, 302, 404)
    )
    assert counted == 3
    timed = _value(
        after, "cityops_http_request_duration_seconds_count", method="GET", route=route
    ) - _value(before, "cityops_http_request_duration_seconds_count", method="GET", route=route)
    assert timed == 3
    assert "A1" not in after


def test_telemetry_stored_and_refused_are_counted_per_channel(scrape):
    before = scrape()
    message = Message(
        channel=Channel.MQTT, payload=b"[]", received_at=timezone.now(), device_code="NOPE-1"
    )
    write_batch([message])
    after = scrape()
    refused = _value(after, "cityops_telemetry_refused_total", channel="mqtt") - _value(
        before, "cityops_telemetry_refused_total", channel="mqtt"
    )
    assert refused == 1


def test_queue_depth_and_scanner_lag_are_read_when_scraped(scrape):
    text = scrape()
    assert "cityops_queue_pending " in text
    assert "cityops_sla_scan_lag_seconds NaN" in text
    beat(SLA_SCAN)
    assert _value(scrape(), "cityops_sla_scan_lag_seconds", required=True) < 5
