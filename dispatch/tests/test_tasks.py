"""The huey wrapper: scheduled every minute, and runs through a real Redis queue.

The Redis test needs a server at REDIS_URL_TEST (default redis://127.0.0.1:6379/15; CI has one).
It swaps the storage of the project's huey instance for Redis, enqueues ``scan_sla`` and runs it
the way a consumer does (dequeue + execute), on a committed database (``transactional_db``).
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from cases.sla import Light
from dispatch import services, tasks
from dispatch.models import SlaState, Supervision, SupervisionKind
from dispatch.tests.conftest import T0, local

REDIS_URL_TEST = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")


def test_the_scanner_is_a_periodic_task_every_minute():
    assert tasks.scan_sla.task_class in HUEY._registry._periodic_tasks
    for minute in (0, 1, 37, 59):
        assert tasks.scan_sla.task_class().validate_datetime(datetime(2026, 10, 8, 9, minute))


def test_production_settings_never_run_tasks_immediately(settings):
    assert settings.HUEY["immediate"] is False
    assert HUEY.immediate is False


@pytest.fixture
def redis_huey():
    storage = RedisStorage(name=f"cityops-test-{os.getpid()}", url=REDIS_URL_TEST)
    try:
        storage.conn.ping()
    except Exception as exc:  # pragma: no cover - the environment, not the code
        pytest.fail(f"Redis at {REDIS_URL_TEST} is needed for this test: {exc}")
    storage.flush_all()
    original = HUEY.storage
    HUEY.storage = storage
    try:
        yield HUEY
    finally:
        HUEY.storage = original
        storage.flush_all()


def _run_next(huey, name: str):
    """What a consumer does: take the next message off the queue and execute it."""
    while True:
        message = huey.dequeue()
        assert message is not None, f"{name} was never queued"
        if message.name.endswith(name):
            return huey.execute(message)


@pytest.mark.django_db(transaction=True)
def test_a_scan_enqueued_to_redis_runs_in_a_consumer(redis_huey, filed, staff):
    with time_machine.travel(T0, tick=False) as clock:
        [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
        clock.move_to(local(2026, 11, 23, 15, 1))  # due 15:00
        tasks.scan_sla()  # not immediate: only queued
        assert redis_huey.pending_count() >= 1
        assert not Supervision.objects.exists()
        report = _run_next(redis_huey, "scan_sla")
    assert report["red"] == 1 and report["tracked"] == 1
    assert SlaState.objects.get(task=task).light == Light.RED
    assert Supervision.objects.get(task=task).kind == SupervisionKind.SUPERVISE
