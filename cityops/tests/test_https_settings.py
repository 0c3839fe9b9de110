"""HTTPS deployments: one switch (HTTPS=true) turns on what `check --deploy` asks for; the
Content-Security-Policy follows CSP_MODE and the map tiles' host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cityops.settings import tile_source

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k, None) for k in ("
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', "
    "'CONTENT_SECURITY_POLICY', 'CONTENT_SECURITY_POLICY_REPORT_ONLY')}))"
)


def _env(tmp_path, **extra) -> dict[str, str]:
    # Not the test process's own switches (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    dropped = ("HTTPS", "CSP_MODE", "MAP_TILE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(CITYOPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="cityops.settings", **extra)
    return env


def _settings(tmp_path, **extra) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_plain_http_by_default_and_everything_for_tls_with_one_switch(tmp_path):
    plain = _settings(tmp_path)
    assert plain["SECURE_SSL_REDIRECT"] is False and plain["SESSION_COOKIE_SECURE"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0
    tls = _settings(tmp_path, HTTPS="true", BEHIND_PROXY="true")
    assert tls["SECURE_SSL_REDIRECT"] is True
    assert tls["SECURE_HSTS_SECONDS"] == 31_536_000 and tls["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert tls["SESSION_COOKIE_SECURE"] is True and tls["CSRF_COOKIE_SECURE"] is True
    assert tls["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # One part can still be set apart (a site that keeps HSTS short while it tries TLS).
    assert (
        _settings(tmp_path, HTTPS="true", SECURE_HSTS_SECONDS="300")["SECURE_HSTS_SECONDS"] == 300
    )


def test_check_deploy_is_clean_with_https_on(tmp_path):
    env = _env(
        tmp_path,
        HTTPS="true",
        SECURE_HSTS_PRELOAD="true",
        SECRET_KEY="x" * 20 + "a-long-random-production-key-0123456789",
        ALLOWED_HOSTS="city.example.cn",
        EMAIL_HOST="smtp.example.cn",
        DEBUG="false",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_policy_follows_csp_mode_and_allows_the_tile_server(tmp_path):
    strict = _settings(tmp_path, MAP_TILE_URL="https://t{s}.tianditu.gov.cn/vec_w/{z}/{x}/{y}")
    directives = strict["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert "https://*.tianditu.gov.cn" in directives["img-src"]
    trial = _settings(tmp_path, CSP_MODE="report-only")
    assert trial["CONTENT_SECURITY_POLICY"] is None
    assert trial["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]["script-src"] == ["'self'"]
    off = _settings(tmp_path, CSP_MODE="off")
    assert (
        off["CONTENT_SECURITY_POLICY"] is None
        and off["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is None
    )


@pytest.mark.parametrize(
    "url, source",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.com/{z}/{x}/{y}.png", "https://*.tile.example.com"),
        ("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}", "https://*.is.autonavi.com"),
        ("", None),
        ("/local/tiles/{z}/{x}/{y}.png", None),  # this site's own: 'self' covers it
    ],
)
def test_tile_source(url, source):
    assert tile_source(url) == source


@pytest.mark.django_db
def test_pages_carry_the_policy_and_refuse_framing(client):
    response = client.get("/citizen/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
