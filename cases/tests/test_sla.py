"""SLA: deadlines through the working-time calendar, lights at 80 % and 100 %."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases import sla
from cases.factories import FilingStandardFactory
from cases.models import Task
from cases.tests.conftest import local
from core.models import TimeUnit


@pytest.mark.parametrize(
    ("amount", "unit", "start", "urgent", "due"),
    [
        ("4", TimeUnit.WORK_HOUR, local(23, 9), False, local(23, 15)),
        ("4", TimeUnit.WORK_HOUR, local(27, 17), False, local(30, 11)),  # over the weekend
        ("4", TimeUnit.WORK_HOUR, local(27, 17), True, local(27, 21)),  # 紧急工作时
        ("2", TimeUnit.URGENT_HOUR, local(28, 23), False, local(29, 1)),  # Saturday night
        ("1", TimeUnit.NATURAL_DAY, local(27, 17), False, local(28, 17)),
    ],
)
def test_deadline_for(db, amount, unit, start, urgent, due):
    standard = FilingStandardFactory(time_limit=Decimal(amount), time_unit=unit)
    assert sla.deadline_for(standard, "B", start, urgent=urgent) == due


def test_area_class_limit(db):
    standard = FilingStandardFactory(time_limit=Decimal("4"), limit_a=Decimal("1"))
    assert sla.deadline_for(standard, "A", local(23, 9)) == local(23, 10)
    assert sla.deadline_for(standard, "C", local(23, 9)) == local(23, 15)


def task(**kwargs) -> Task:
    fields = {
        "time_limit": Decimal("4"),
        "time_unit": TimeUnit.WORK_HOUR,
        "started_at": local(23, 9),
        "deadline_at": local(23, 15),
        "status": "accepted",
    }
    fields.update(kwargs)
    return Task(**fields)


@pytest.mark.parametrize(
    ("now", "light"),
    [
        (local(23, 9), sla.Light.GREEN),
        (local(23, 12), sla.Light.GREEN),  # 3 of 4 h = 75 %
        (local(23, 13), sla.Light.GREEN),  # lunch break does not count
        (local(23, 14, 12), sla.Light.YELLOW),  # 80 %
        (local(23, 15), sla.Light.YELLOW),  # exactly 100 %
        (local(23, 15, 1), sla.Light.RED),
    ],
)
def test_traffic_light_bands(db, now, light):
    assert sla.traffic_light(task(), now) == light


def test_paused_task_stops_its_clock(db):
    paused = task(paused_at=local(23, 10))
    assert sla.progress(paused, local(30, 10)) == Decimal(1) / Decimal(4)


def test_disposed_task_keeps_the_light_it_finished_with(db):
    done = task(status="disposed", disposed_at=local(23, 10))
    assert sla.traffic_light(done, local(30, 10)) == sla.Light.GREEN


def test_yellow_at_is_80_percent_of_the_working_time(db):
    assert sla.yellow_at(task()) == local(23, 14, 12)
