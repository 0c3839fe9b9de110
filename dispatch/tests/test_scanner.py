"""The SLA scanner: lights on the working-time clock (holidays, 调休 make-up days, suspension,
extension), reminders and 督办 notices exactly once, compare-and-swap flips, escalation.

Clocks run on time-machine; the calendar is chinese-calendar's 2026: National Day Oct 1-7 off,
Sun Sep 20 and Sat Oct 10 are make-up working days. Windows 08:00-12:00, 14:00-18:00.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.models import Task
from cases.sla import Light
from dispatch import services
from dispatch.models import EscalationRule, LightFlip, SlaState, Supervision, SupervisionKind
from dispatch.scanner import _Scan, scan
from dispatch.tests.conftest import T0, local
from notify.models import OutboxMessage
from org.models import DepartmentLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def dispatch_at(clock, when, filed, staff) -> Task:
    """A case filed and routed (no rule: the Alpha street office) at ``when``."""
    clock.move_to(when)
    case = filed()
    [task] = services.route(case=case, actor=staff["city_dispatcher"])
    return task


def scan_at(clock, when):
    clock.move_to(when)
    return scan()


def light(task) -> str:
    return SlaState.objects.get(task=task).light


def supervisions(task) -> list[tuple[str, int, str]]:
    return list(
        Supervision.objects.filter(task=task)
        .order_by("pk")
        .values_list("kind", "level", "to_department__code")
    )


def sms_to(task) -> list[str]:
    return list(
        OutboxMessage.objects.filter(case_id=task.case_id)
        .order_by("pk")
        .values_list("to", flat=True)
    )


class TestWorkingTimeLights:
    def test_across_national_day_4_working_hours_from_sep_30_1600_end_oct_8_1000(
        self, clock, filed, staff
    ):
        task = dispatch_at(clock, local(2026, 9, 30, 16), filed, staff)
        assert task.deadline_at == local(2026, 10, 8, 10)

        scan_at(clock, local(2026, 10, 7, 23))  # a week later, all of it holiday
        assert light(task) == Light.GREEN and supervisions(task) == []

        scan_at(clock, local(2026, 10, 8, 9, 11))  # 3 h 11 min of 4 h: under 80 %
        assert light(task) == Light.GREEN

        report = scan_at(clock, local(2026, 10, 8, 9, 13))  # 80 % is 09:12
        assert report.yellow == 1 and light(task) == Light.YELLOW
        assert supervisions(task) == [(SupervisionKind.REMINDER, 0, "ST-ALPHA")]
        assert sms_to(task) == ["13900000001"]
        assert Task.objects.get(pk=task.pk).warned_at == local(2026, 10, 8, 9, 13)

        report = scan_at(clock, local(2026, 10, 8, 10, 1))
        assert report.red == 1 and light(task) == Light.RED
        assert supervisions(task)[-1] == (SupervisionKind.SUPERVISE, 0, "ST-ALPHA")
        assert Task.objects.get(pk=task.pk).overdue_at == local(2026, 10, 8, 10, 1)
        flips = list(LightFlip.objects.filter(task=task).values_list("from_light", "to_light"))
        assert flips == [(Light.GREEN, Light.YELLOW), (Light.YELLOW, Light.RED)]

    @pytest.mark.parametrize(
        ("start", "due"),
        [
            ((2026, 10, 9, 16), (2026, 10, 10, 10)),  # Fri -> make-up Saturday Oct 10
            ((2026, 9, 18, 16), (2026, 9, 20, 10)),  # Fri -> skip Sat 19 -> make-up Sunday Sep 20
        ],
    )
    def test_a_make_up_weekend_day_counts_as_working_time(self, clock, filed, staff, start, due):
        task = dispatch_at(clock, local(*start), filed, staff)
        assert task.deadline_at == local(*due)
        y, m, d, _ = due
        scan_at(clock, local(y, m, d, 9, 11))
        assert light(task) == Light.GREEN
        scan_at(clock, local(y, m, d, 9, 13))
        assert light(task) == Light.YELLOW
        scan_at(clock, local(y, m, d, 10, 1))
        assert light(task) == Light.RED

    def test_the_clock_stops_while_suspended(self, clock, filed, staff):
        task = dispatch_at(clock, T0, filed, staff)  # Mon 09:00, due 15:00
        scan_at(clock, local(2026, 11, 23, 9, 30))
        clock.move_to(local(2026, 11, 23, 10))  # 1 h used
        case_services.case_suspend(case=task.case, actor=staff["city_dispatcher"], reason="Rain")
        scan_at(clock, local(2026, 11, 23, 16))  # would be red if the clock ran
        assert light(task) == Light.GREEN and supervisions(task) == []
        assert SlaState.objects.get(task=task).next_check_at is None  # parked

        clock.move_to(local(2026, 11, 24, 9))
        case_services.case_resume(case=task.case, actor=staff["city_dispatcher"])
        # 1 h used before, 2.2 h more after 09:00 reach 80 %: 11:12; the rest ends 12:00.
        assert Task.objects.get(pk=task.pk).deadline_at == local(2026, 11, 24, 12)
        scan_at(clock, local(2026, 11, 24, 11, 11))
        assert light(task) == Light.GREEN
        scan_at(clock, local(2026, 11, 24, 11, 13))
        assert light(task) == Light.YELLOW
        scan_at(clock, local(2026, 11, 24, 13, 59))  # lunch break: no working time passes
        assert light(task) == Light.YELLOW
        scan_at(clock, local(2026, 11, 24, 14, 1))
        assert light(task) == Light.RED

    def test_an_extension_after_red_clears_the_light_silently_then_red_tells_again(
        self, clock, filed, staff
    ):
        task = dispatch_at(clock, T0, filed, staff)
        admin = staff["admin"]
        case_services.task_accept(task=task, actor=admin)
        scan_at(clock, local(2026, 11, 23, 15, 1))
        assert light(task) == Light.RED
        case_services.task_request_extension(task=task, actor=admin, amount=4, reason="Parts")
        case_services.task_approve_extension(task=task, actor=staff["city_dispatcher"])

        report = scan_at(clock, local(2026, 11, 23, 15, 2))  # 4 h of 8 h used: green
        assert report.cleared == 1 and light(task) == Light.GREEN
        assert Task.objects.get(pk=task.pk).overdue_at is None
        assert [k for k, _, _ in supervisions(task)] == [SupervisionKind.SUPERVISE]

        scan_at(clock, local(2026, 11, 24, 11, 1))  # the new deadline was 11:00
        assert light(task) == Light.RED
        kinds = [k for k, _, _ in supervisions(task)]
        assert kinds == [SupervisionKind.SUPERVISE, SupervisionKind.SUPERVISE]
        assert len(sms_to(task)) == 2


class TestExactlyOnce:
    def test_scanning_twice_sends_one_notice(self, clock, filed, staff):
        task = dispatch_at(clock, T0, filed, staff)
        first = scan_at(clock, local(2026, 11, 23, 15, 1))
        second = scan()
        assert (first.red, second.red) == (1, 0)
        assert LightFlip.objects.filter(task=task).count() == 1
        assert len(supervisions(task)) == 1
        assert OutboxMessage.objects.filter(case_id=task.case_id).count() == 1

    def test_a_worker_holding_a_stale_state_loses_the_compare_and_swap(self, clock, filed, staff):
        task = dispatch_at(clock, T0, filed, staff)
        scan_at(clock, local(2026, 11, 23, 9, 30))  # tracked, green
        clock.move_to(local(2026, 11, 23, 15, 1))

        def loaded():
            return SlaState.objects.select_related(
                "task__case__category", "task__department__area"
            ).get(task=task)

        one, two = loaded(), loaded()  # both workers read green
        now = timezone.now()
        worker_a, worker_b = _Scan(now), _Scan(now)
        worker_a._act_one(one, one.task)
        worker_b._act_one(two, two.task)
        assert (worker_a.report.red, worker_a.report.lost) == (1, 0)
        assert (worker_b.report.red, worker_b.report.lost) == (0, 1)
        assert len(supervisions(task)) == 1
        assert OutboxMessage.objects.filter(case_id=task.case_id).count() == 1

    def test_a_scan_with_nothing_due_costs_the_same_few_queries_for_any_number_of_tasks(
        self, clock, filed, staff
    ):
        def queries_for(n: int) -> int:
            for _ in range(n):
                dispatch_at(clock, T0, filed, staff)
            scan_at(clock, local(2026, 11, 23, 9, 30))  # tracks the new ones
            with CaptureQueriesContext(connection) as ctx:
                report = scan()
            assert report.checked == 0 and report.tracked == 0
            return len(ctx.captured_queries)

        few = queries_for(2)
        assert queries_for(12) == few <= 6


class TestEscalation:
    @pytest.fixture
    def rules(self):
        return [
            EscalationRule.objects.create(from_level=DepartmentLevel.STREET, after_hours=2),
            EscalationRule.objects.create(from_level=DepartmentLevel.DISTRICT, after_hours=4),
        ]

    def test_street_to_district_to_city_then_no_further(self, clock, filed, staff, rules):
        task = dispatch_at(clock, T0, filed, staff)  # Alpha street office, due Mon 15:00
        scan_at(clock, local(2026, 11, 23, 15, 1))
        scan_at(clock, local(2026, 11, 23, 16, 30))  # 1.5 h past: not yet
        assert supervisions(task) == [(SupervisionKind.SUPERVISE, 0, "ST-ALPHA")]

        report = scan_at(clock, local(2026, 11, 23, 17, 3))  # 2 h past: street -> district
        assert report.escalated == 1
        report = scan_at(clock, local(2026, 11, 24, 9, 3))  # 3 h + 1 h past: district -> city
        assert report.escalated == 1
        scan_at(clock, local(2026, 11, 30, 9))  # no rule for the city tier: the chain ends
        assert supervisions(task) == [
            (SupervisionKind.SUPERVISE, 0, "ST-ALPHA"),
            (SupervisionKind.ESCALATE, 1, "DIST-EAST"),
            (SupervisionKind.ESCALATE, 2, "CITY-OFFICE"),
        ]
        assert sms_to(task) == ["13900000001", "13900000002", "13900000003"]
        state = SlaState.objects.get(task=task)
        assert (state.escalation_level, state.escalated_to.code) == (2, "CITY-OFFICE")
        assert state.next_check_at is None

    def test_a_percent_rule_can_come_first_and_a_parent_department_is_the_next_tier(
        self, clock, filed, staff, units
    ):
        units.alpha.parent = units.east_roads  # an explicit parent beats the area's office
        units.alpha.save()
        EscalationRule.objects.create(
            from_level=DepartmentLevel.STREET, after_hours=Decimal(8), after_percent=25
        )
        task = dispatch_at(clock, T0, filed, staff)
        scan_at(clock, local(2026, 11, 23, 15, 1))
        scan_at(clock, local(2026, 11, 23, 16, 2))  # 25 % of 4 h = 1 h past the deadline
        assert supervisions(task)[-1] == (SupervisionKind.ESCALATE, 1, "DIST-EAST-ROADS")
