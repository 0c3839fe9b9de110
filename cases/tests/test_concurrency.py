"""Concurrent moves on one case: exactly one wins, the other gets a clear Conflict.

Needs real concurrent connections and row locks, so PostgreSQL only: SQLite serialises every
writer for the whole transaction, which makes the race impossible to stage there.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from cases import services
from cases.models import Case, Task
from cases.services.reporting import case_report
from cases.states import CaseStatus, TaskStatus
from cases.tests.conftest import photo
from core.errors import Conflict

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL: concurrent connections and row locks (SQLite serialises writers)",
    ),
    # serialized_rollback: the flush after each test must not wipe the migrated seed data (catalog,
    # working calendar) that later tests in the same session rely on.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 5


def race(*jobs):
    """Run each job in its own thread (own DB connection) from one start line."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    language = translation.get_language()  # the active language is per thread

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            with translation.override(language):
                results[i] = job()
        except Exception as exc:  # the losers' errors are the result under test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_dispatchers_dispatch_the_same_case_exactly_one_wins(flow, staff, roads, alpha_office):
    users = get_user_model().objects
    for _ in range(ROUNDS):
        case = flow.filed()
        # Each dispatcher's own screen, both loaded before either acts: read inside the thread,
        # a late starter saw the case dispatched already and lost with another message.
        screens = {dept.pk: Case.objects.get(pk=case.pk) for dept in (roads, alpha_office)}

        def dispatch(dept, screens=screens):
            actor = users.get(username="dispatcher")
            return services.case_dispatch(
                case=screens[dept.pk],
                actor=actor,
                departments=[dept],
                now=flow.t0 + timedelta(minutes=1),
            )

        results = race(lambda: dispatch(roads), lambda: dispatch(alpha_office))
        winners = [r for r in results if isinstance(r, list)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], Conflict)
        assert "was changed by someone else (now: Dispatched" in losers[0].message
        stored = Case.objects.get(pk=case.pk)
        assert stored.status == CaseStatus.DISPATCHED and stored.dispatch_round == 1
        assert Task.objects.filter(case=case).count() == 1
        assert stored.events.filter(action="dispatch").count() == 1


def test_sibling_tasks_disposed_at_once_still_dispose_the_case(flow, staff, roads, alpha_office):
    case, (lead, co) = flow.dispatched(departments=[roads, alpha_office])
    for task, who in ((lead, "roads_disposer"), (co, "alpha_disposer")):
        services.task_accept(task=task, actor=staff[who], now=flow.t0)
        services.evidence_attach(
            case=case, task=task, actor=staff[who], photos=[photo()], kind="after", now=flow.t0
        )

    def dispose(task_pk, username):
        actor = get_user_model().objects.get(username=username)
        return services.task_dispose(task=Task.objects.get(pk=task_pk), actor=actor, now=flow.t0)

    results = race(
        lambda: dispose(lead.pk, "disposer_roads"), lambda: dispose(co.pk, "disposer_alpha")
    )
    assert all(isinstance(r, Task) for r in results), results
    # The case row lock serialises the two: the second sees the first disposed and closes the round.
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISPOSED
    assert set(Task.objects.filter(case=case).values_list("status", flat=True)) == {
        TaskStatus.DISPOSED
    }


def test_concurrent_reports_get_distinct_consecutive_numbers(staff, grid, t0):
    per_thread = 10

    def report_many():
        actor = get_user_model().objects.get(username="inspector_alpha")
        return [
            case_report(actor=actor, source="inspector", description="x", grid=grid, now=t0).number
            for _ in range(per_thread)
        ]

    results = race(report_many, report_many, report_many)
    numbers = [n for r in results for n in r]
    assert sorted(numbers) == [f"NB20261123{i:05d}" for i in range(1, 3 * per_thread + 1)]


def test_seed_data_survives_the_transactional_tests():
    from catalog.models import Category
    from core.models import WorkCalendar

    assert Category.objects.exists() and WorkCalendar.objects.exists()
