"""The cache that throttles count in: per process when embedded, one Redis when scaled out.

The portal look-up allows 5 failures per 15 minutes per address and per case number (限流); with
several server processes that only holds if they all count in the same place. The Redis test
needs a server at REDIS_URL_TEST (CI exports redis://127.0.0.1:6379/15) and keeps its keys under
a prefix of its own, so other runs sharing that database are not disturbed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils.module_loading import import_string

from cityops.settings import cache_config

ROOT = Path(__file__).resolve().parents[2]
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"

# The "other server process": builds its own client from the same CACHES entry and counts too.
OTHER_PROCESS = """
import json, sys
from django.conf import settings
settings.configure()
from django.utils.module_loading import import_string
config, counter, slot = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
cache = import_string(config["BACKEND"])(config["LOCATION"], params)
print(json.dumps({"incr": cache.incr(counter, 5), "slot_free": cache.add(slot, 1, timeout=60)}))
"""


def build(config: dict):
    """A cache client from a CACHES entry, the way Django's cache handler makes one."""
    params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
    return import_string(config["BACKEND"])(config.get("LOCATION", ""), params)


def test_without_redis_url_the_cache_is_per_process_memory():
    assert cache_config("")["default"]["BACKEND"] == LOCMEM_CACHE


def test_served_without_redis_the_processes_share_a_file_cache(tmp_path):
    default = cache_config("", str(tmp_path))["default"]
    assert default["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert default["LOCATION"] == str(tmp_path)
    assert cache_config("redis://r:6379/0", str(tmp_path))["default"]["BACKEND"] == REDIS_CACHE


def test_with_redis_url_the_cache_is_redis_at_that_url():
    default = cache_config("redis://cache.internal:6380/2")["default"]
    assert default["BACKEND"] == REDIS_CACHE
    assert default["LOCATION"] == "redis://cache.internal:6380/2"
    # Apart from huey's keys in the same database, and never blocking a request for long.
    assert default["KEY_PREFIX"] == "cityops"
    assert default["OPTIONS"]["socket_timeout"] <= 10
    assert default["OPTIONS"]["socket_connect_timeout"] <= 10


def test_the_settings_take_caches_from_redis_url(tmp_path):
    """What settings.py does with the environment, read in a fresh process each time."""
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    base.update(CITYOPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="cityops.settings")
    code = "from django.conf import settings; import json; print(json.dumps(settings.CACHES))"
    seen = {}
    for name, extra in {
        "embedded": {},
        "scale-out": {"REDIS_URL": "redis://10.0.0.5:6379/1"},
    }.items():
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, **extra},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        seen[name] = json.loads(result.stdout)["default"]
    assert seen["embedded"]["BACKEND"] == LOCMEM_CACHE
    assert seen["scale-out"]["BACKEND"] == REDIS_CACHE
    assert seen["scale-out"]["LOCATION"] == "redis://10.0.0.5:6379/1"


@pytest.fixture
def redis_cache_config():
    """The scale-out CACHES entry at REDIS_URL_TEST under a prefix of this run; cleaned after."""
    url = settings.REDIS_URL_TEST
    raw = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        raw.ping()
    except redis.RedisError as exc:  # pragma: no cover - the environment, not the code
        message = f"no Redis answers at REDIS_URL_TEST={url}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI provides Redis; a skip there would hide a broken cache
        pytest.skip(message)
    config = cache_config(url)["default"]
    prefix = f"cityops-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    config["KEY_PREFIX"] = prefix
    try:
        yield config
    finally:
        keys = list(raw.scan_iter(match=f"{prefix}:*"))
        if keys:
            raw.delete(*keys)
        raw.close()


def test_two_server_processes_count_in_the_same_redis(redis_cache_config):
    here = build(redis_cache_config)
    counter, slot = "portal:throttle-test:failures", "portal:throttle-test:slot:0"
    here.set(counter, 0, timeout=60)
    here.incr(counter, 2)
    assert here.add(slot, 1, timeout=60)  # this process takes a throttle slot

    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(redis_cache_config), counter, slot],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    other = json.loads(result.stdout)
    assert other == {"incr": 7, "slot_free": False}  # it saw our 2 and our slot
    assert here.get(counter) == 7  # and we see its 5

    # A second client in this process too (another worker thread's own connection pool).
    assert build(redis_cache_config).get(counter) == 7
