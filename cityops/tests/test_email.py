"""Email (邮件) delivery: SMTP when EMAIL_HOST is set, readable files in var/mail/ otherwise.

The embedded profile (`make demo`) has no mail server; Django's default (SMTP on localhost:25)
would fail or hang each email notification. The test run itself always uses Django's in-memory
backend, so the choice is tested as a function and as settings read in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.checks.registry import registry
from django.test import override_settings

from cityops import checks
from cityops.settings import email_backend

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
FILES = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_VARS = (
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
)


def test_without_a_mail_host_emails_are_files_with_one_smtp():
    assert email_backend("") == FILES
    assert email_backend("smtp.example.cn") == SMTP


def _settings_in_a_fresh_process(tmp_path: Path, **env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in EMAIL_VARS and k != "DATABASE_URL"}
    base.update(CITYOPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="cityops.settings")
    names = ("EMAIL_BACKEND", "EMAIL_FILE_PATH", *EMAIL_VARS)
    code = (
        "from django.conf import settings; import json; "
        f"print(json.dumps({{n: str(getattr(settings, n)) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_embedded_profile_writes_emails_under_var_mail(tmp_path):
    seen = _settings_in_a_fresh_process(tmp_path)
    assert seen["EMAIL_BACKEND"] == FILES
    assert seen["EMAIL_FILE_PATH"] == str(tmp_path / "mail")


def test_a_configured_mail_host_is_used_over_smtp(tmp_path):
    seen = _settings_in_a_fresh_process(
        tmp_path,
        EMAIL_HOST="smtp.example.cn",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="cityops",
        EMAIL_HOST_PASSWORD="pw",
        EMAIL_USE_SSL="1",
        DEFAULT_FROM_EMAIL="CityOps <noreply@example.cn>",
    )
    assert seen["EMAIL_BACKEND"] == SMTP
    assert (seen["EMAIL_HOST"], seen["EMAIL_PORT"], seen["EMAIL_HOST_USER"]) == (
        "smtp.example.cn",
        "465",
        "cityops",
    )
    assert (seen["EMAIL_USE_SSL"], seen["EMAIL_USE_TLS"]) == ("True", "False")
    assert seen["DEFAULT_FROM_EMAIL"] == "CityOps <noreply@example.cn>"
    assert int(seen["EMAIL_TIMEOUT"]) > 0  # never Django's "wait forever"


def test_a_file_based_mail_backend_in_production_is_warning_w002():
    with override_settings(DEBUG=False, EMAIL_BACKEND=FILES):
        assert [m.id for m in checks.check_email_backend()] == ["cityops.W002"]
    with override_settings(DEBUG=True, EMAIL_BACKEND=FILES):  # a developer's machine
        assert checks.check_email_backend() == []
    with override_settings(DEBUG=False, EMAIL_BACKEND=SMTP):
        assert checks.check_email_backend() == []


def test_w002_runs_with_check_deploy_only():
    # `make demo` runs with DEBUG off and without a mail server: no warning at every start.
    assert checks.check_email_backend in registry.get_checks(include_deployment_checks=True)
    assert checks.check_email_backend not in registry.get_checks(include_deployment_checks=False)


def test_tls_and_ssl_together_is_e007():
    with override_settings(EMAIL_USE_TLS=True, EMAIL_USE_SSL=True):
        assert [m.id for m in checks.check_email_tls()] == ["cityops.E007"]
    with override_settings(EMAIL_USE_TLS=True, EMAIL_USE_SSL=False):
        assert checks.check_email_tls() == []


def test_a_file_email_is_readable_as_it_was_written(tmp_path):
    from django.core.mail import send_mail

    with override_settings(EMAIL_BACKEND=FILES, EMAIL_FILE_PATH=tmp_path / "mail"):
        sent = send_mail(
            subject="Case NB2026000001 closed",
            message="您反映的问题已处理完毕 (your report has been dealt with).",
            from_email="noreply@example.cn",
            recipient_list=["citizen@example.cn"],
        )
    assert sent == 1  # what the notify email channel counts as accepted
    [written] = (tmp_path / "mail").iterdir()
    text = written.read_text(encoding="utf-8")
    assert "Subject: Case NB2026000001 closed" in text
    assert "您反映的问题已处理完毕" in text
