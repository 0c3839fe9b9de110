"""Configuration: bad environment values fail loudly with a named check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from cityops import checks
from cityops.env import EnvError, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def ids(messages):
    return [m.id for m in messages]


def test_unsupported_database_engine_is_e001():
    bad = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}}
    with override_settings(DATABASES=bad):
        assert ids(checks.check_database()) == ["cityops.E001"]


def test_bad_redis_url_is_e002():
    with override_settings(REDIS_URL="http://localhost:6379"):
        assert ids(checks.check_redis_url()) == ["cityops.E002"]
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/0"):
        assert checks.check_redis_url() == []


def test_unknown_time_zone_is_e003():
    with override_settings(TIME_ZONE="Mars/Olympus"):
        assert ids(checks.check_time_zone()) == ["cityops.E003"]


def test_unknown_language_is_e004():
    with override_settings(LANGUAGE_CODE="fr"):
        assert ids(checks.check_language()) == ["cityops.E004"]


def test_bad_work_windows_is_e005():
    with override_settings(WORK_WINDOWS="08:00-12:00,11:00-13:00"):
        assert ids(checks.check_work_windows()) == ["cityops.E005"]
    with override_settings(WORK_WINDOWS="8 to 12"):
        assert ids(checks.check_work_windows()) == ["cityops.E005"]


def test_env_helpers_reject_garbage(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(EnvError, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(EnvError, match="X_INT"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]


def test_defaults_are_sqlite_shanghai_and_chinese(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" or os.environ.get("TIME_ZONE")
    assert settings.LANGUAGE_CODE == "zh-hans" or os.environ.get("LANGUAGE_CODE")
    assert settings.USE_TZ is True


def test_manage_check_fails_at_start_on_a_bad_value(tmp_path):
    env = {**os.environ, "DATABASE_URL": "mysql://u@localhost/x", "CITYOPS_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "cityops.E001" in result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CITYOPS_VAR_DIR"] = str(tmp_path)
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    env["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "wal", result.stderr
