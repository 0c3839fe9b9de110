"""``POST /csp-report``: browsers' reports of what the Content-Security-Policy blocked are
logged (without query strings) and counted by directive; bad or oversized bodies and floods get
a 4xx, and the policy names the address."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client

from core.csp_report import VIOLATIONS


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _count(directive: str) -> float:
    return VIOLATIONS.labels(directive=directive)._value.get()


def _post(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/csp-report", data=data, content_type=content_type, **extra)


REPORT = {
    "csp-report": {
        "document-uri": "https://city.example/cases/NB1/?token=secret",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js?k=1",
        "source-file": "https://city.example/cases/NB1/",
        "line-number": 12,
    }
}


def test_a_report_is_logged_without_query_strings_and_counted(db, caplog):
    client = Client(enforce_csrf_checks=True)  # a browser's report carries no CSRF token
    before = _count("script-src-elem")
    with caplog.at_level(logging.WARNING, logger="cityops.csp"):
        assert _post(client, REPORT).status_code == 204
    assert _count("script-src-elem") == before + 1
    (line,) = [r.getMessage() for r in caplog.records if r.name == "cityops.csp"]
    assert "https://evil.example/x.js" in line and "/cases/NB1/" in line
    assert "secret" not in line and "k=1" not in line


def test_the_reporting_api_format_and_an_unknown_directive(db):
    client = Client()
    before = _count("other")
    body = [{"type": "csp-violation", "body": {"effectiveDirective": "made-up-" + "x" * 80,
                                               "blockedURL": "inline", "documentURL": "/"}}]  # fmt: skip
    assert _post(client, body, content_type="application/reports+json").status_code == 204
    assert _count("other") == before + 1  # series stay bounded


@pytest.mark.parametrize("body", [b"{not json", {"no": "report"}, [], b"\xff\xfe"])
def test_a_body_that_is_no_report_is_a_400(db, body):
    assert _post(Client(), body).status_code == 400


def test_an_oversized_report_is_a_413_and_a_flood_a_429(db):
    client = Client()
    big = {"csp-report": {"document-uri": "x" * 20_000}}
    assert _post(client, big).status_code == 413
    answers = [_post(client, REPORT).status_code for _ in range(25)]
    assert answers[:20] == [204] * 20 and set(answers[20:]) == {429}
    assert Client().get("/csp-report").status_code == 405


def test_the_policy_sends_reports_here(db, client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "report-uri /csp-report" in policy


def test_forged_log_lines_and_a_bad_length_are_refused(db, caplog):
    client = Client()
    forged = {"csp-report": {"effective-directive": "img-src", "blocked-uri": "inline\nFAKE: admin logged in",
                             "document-uri": "/\r\nFAKE", "line-number": "12\nFAKE"}}  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="cityops.csp"):
        assert _post(client, forged).status_code == 204
    (line,) = [r.getMessage() for r in caplog.records if r.name == "cityops.csp"]
    assert "\n" not in line and "\r" not in line and "12\nFAKE" not in line
    assert _post(client, REPORT, HTTP_CONTENT_LENGTH="x").status_code == 400
