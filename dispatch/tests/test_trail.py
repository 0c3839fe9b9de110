"""Supervision on the case's trail: every light flip, 督办 and escalation the dispatch app makes
is also a CaseEvent, written in the same transaction, exactly once, and shown translated.

Clock as in test_scanner: the Alpha street office's task is dispatched Mon 2026-11-23 09:00 with
4 working hours, so it turns yellow after 14:12 and red after 15:00.
"""

from __future__ import annotations

import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases import services as case_services
from cases.models import Case, CaseEvent, Task
from cases.sla import Light
from cases.states import CaseStatus
from cases.tests.api_client import as_user
from core.errors import Conflict, PermissionDenied
from dispatch import services
from dispatch.models import EscalationRule, LightFlip, SlaState, Supervision, SupervisionKind
from dispatch.scanner import _Scan, scan
from dispatch.tests.conftest import T0, local
from notify.models import OutboxMessage
from org.models import DepartmentLevel

pytestmark = pytest.mark.django_db

YELLOW_TIME = local(2026, 11, 23, 14, 30)
RED_TIME = local(2026, 11, 23, 15, 1)
SUPERVISION = ("supervise", "sla_warning", "sla_overdue", "escalate", "sla_cleared")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def task(clock, filed, staff) -> Task:
    [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
    return task


def scan_at(clock, when):
    clock.move_to(when)
    return scan()


def trail(task) -> list[CaseEvent]:
    return list(
        CaseEvent.objects.filter(case_id=task.case_id, action__in=SUPERVISION).order_by("pk")
    )


class TestScannerFlips:
    def test_yellow_then_red_each_put_one_event_on_the_trail(self, clock, task):
        scan_at(clock, YELLOW_TIME)
        [warning] = trail(task)
        reminder = Supervision.objects.get(task=task, kind=SupervisionKind.REMINDER)
        assert (warning.action, warning.actor, warning.task_id) == ("sla_warning", None, task.pk)
        assert warning.at == YELLOW_TIME
        assert warning.from_status == warning.to_status == CaseStatus.DISPATCHED
        assert warning.note == reminder.message
        assert warning.data == {
            "task": task.pk,
            "light": "yellow",
            "from_light": "green",
            "share": warning.data["share"],
            "deadline_at": task.deadline_at.isoformat(),
            "level": 0,
            "supervision": reminder.pk,
            "kind": "reminder",
            "to_department": {"code": "ST-ALPHA", "name": task.department.name},
            "recipients": 1,
        }
        assert 0.8 < float(warning.data["share"]) < 1

        scan_at(clock, RED_TIME)
        overdue = trail(task)[-1]
        assert (overdue.action, overdue.data["light"], overdue.data["from_light"]) == (
            "sla_overdue",
            "red",
            "yellow",
        )
        assert overdue.data["kind"] == SupervisionKind.SUPERVISE

    def test_scanning_twice_writes_one_event(self, clock, task):
        scan_at(clock, RED_TIME)  # green straight to red: one flip
        scan()
        scan()
        assert [e.action for e in trail(task)] == ["sla_overdue"]

    def test_the_worker_that_loses_the_compare_and_swap_writes_no_event(self, clock, task):
        scan_at(clock, local(2026, 11, 23, 9, 30))  # tracked, green
        clock.move_to(RED_TIME)
        loaded = [
            SlaState.objects.select_related("task__case__category", "task__department__area").get(
                task=task
            )
            for _ in range(2)
        ]
        now = timezone.now()
        for state in loaded:
            _Scan(now)._act_one(state, state.task)
        assert [e.action for e in trail(task)] == ["sla_overdue"]

    def test_a_flip_does_not_bump_the_case_version(self, clock, task, staff):
        case = Case.objects.get(pk=task.case_id)  # a dispatcher's page, loaded before the scan
        scan_at(clock, RED_TIME)
        case_services.case_suspend(case=case, actor=staff["city_dispatcher"], reason="Rain")
        assert Case.objects.get(pk=case.pk).status == CaseStatus.SUSPENDED

    def test_a_case_suspended_after_the_scan_read_it_gets_no_flip_no_notice_no_event(
        self, clock, task, staff
    ):
        scan_at(clock, local(2026, 11, 23, 9, 30))
        clock.move_to(RED_TIME)
        state = SlaState.objects.select_related(
            "task__case__category", "task__department__area"
        ).get(task=task)
        case_services.case_suspend(
            case=Case.objects.get(pk=task.case_id), actor=staff["city_dispatcher"], reason="Rain"
        )
        worker = _Scan(timezone.now())
        worker._act_one(state, state.task)  # still holds the running task it read
        assert (worker.report.red, worker.report.lost) == (0, 1)
        assert SlaState.objects.get(task=task).light == Light.GREEN
        assert not LightFlip.objects.filter(task=task).exists()
        assert not Supervision.objects.filter(task=task).exists()
        assert not OutboxMessage.objects.filter(case_id=task.case_id).exists()
        assert trail(task) == []

    def test_a_light_lowered_by_an_extension_is_on_the_trail_without_a_notice(
        self, clock, task, staff
    ):
        admin = staff["admin"]
        case_services.task_accept(task=task, actor=admin)
        scan_at(clock, RED_TIME)
        case_services.task_request_extension(task=task, actor=admin, amount=4, reason="Parts")
        case_services.task_approve_extension(task=task, actor=staff["city_dispatcher"])
        sent = OutboxMessage.objects.count()
        scan_at(clock, local(2026, 11, 23, 15, 2))
        cleared = trail(task)[-1]
        assert (cleared.action, cleared.data["light"], cleared.data["from_light"]) == (
            "sla_cleared",
            "green",
            "red",
        )
        assert "supervision" not in cleared.data and OutboxMessage.objects.count() == sent


class TestEscalation:
    def test_each_escalation_is_an_event_naming_both_tiers(self, clock, task, units):
        EscalationRule.objects.create(from_level=DepartmentLevel.STREET, after_hours=2)
        scan_at(clock, RED_TIME)
        scan_at(clock, local(2026, 11, 23, 17, 3))  # 2 h past the deadline: street -> district
        scan()  # again: nothing more
        escalation = trail(task)[-1]
        record = Supervision.objects.get(task=task, kind=SupervisionKind.ESCALATE)
        assert [e.action for e in trail(task)] == ["sla_overdue", "escalate"]
        assert (escalation.actor, escalation.note) == (None, record.message)
        assert escalation.data == {
            "task": task.pk,
            "light": "red",
            "from_department": {"code": "ST-ALPHA", "name": units.alpha.name},
            "supervision": record.pk,
            "kind": "escalate",
            "level": 1,
            "to_department": {"code": "DIST-EAST", "name": units.east.name},
            "recipients": 1,
        }


class TestSupervisionByHand:
    def test_a_leaders_supervision_is_on_the_trail_with_the_leader_as_actor(self, task, staff):
        record = services.supervise(task=task, actor=staff["city_leader"], note=" Today, please ")
        [event] = trail(task)
        assert (event.action, event.actor, event.note) == (
            "supervise",
            staff["city_leader"],
            "Today, please",
        )
        assert event.data["supervision"] == record.pk and event.data["light"] == "green"
        assert event.data["to_department"]["code"] == "ST-ALPHA"

    def test_a_refused_supervision_leaves_no_event(self, task, staff):
        with pytest.raises(PermissionDenied):
            services.supervise(task=task, actor=staff["roads_disposer"], note="x")
        assert trail(task) == [] and not Supervision.objects.exists()

    def test_supervising_a_finished_task_is_a_conflict_in_the_service_and_409_in_the_api(
        self, task, staff
    ):
        case_services.task_return(task=task, actor=staff["admin"], reason="Not ours")
        with pytest.raises(Conflict) as caught:
            services.supervise(task=task, actor=staff["city_leader"], note="Hurry")
        assert caught.value.code == "illegal_move"
        response = as_user(staff["city_leader"]).post(
            f"/dispatch/tasks/{task.pk}/supervise", {"note": "x"}
        )
        assert response.status_code == 409 and response.json()["code"] == "illegal_move"
        assert trail(task) == []


class TestApiTimeline:
    def test_the_api_lists_the_events_with_translated_labels(self, clock, task, staff):
        scan_at(clock, YELLOW_TIME)
        services.supervise(task=task, actor=staff["city_leader"], note="Hurry")
        path = f"/cases/{task.case.number}/timeline"
        english = as_user(staff["city_dispatcher"]).get(path).json()
        rows = [(e["action"], e["actor"], e["task_id"]) for e in english[-2:]]
        assert rows == [("sla_warning", None, task.pk), ("supervise", "leader", task.pk)]
        assert english[-2]["action_label"].startswith("Yellow light, reminder sent")
        assert english[-2]["data"]["light"] == "yellow"
        zh = Client(headers={"accept-language": "zh-hans"})
        zh.force_login(staff["city_dispatcher"])
        chinese = zh.get(f"/api/v1{path}").json()
        assert "黄灯预警催办" in chinese[-2]["action_label"]
        assert "督办" in chinese[-1]["action_label"]


class TestBackfill:
    """Supervision written before the trail had it is copied onto the trail once."""

    def test_old_records_become_events_marked_backfilled(self, clock, task, staff):
        scan_at(clock, RED_TIME)
        services.supervise(task=task, actor=staff["city_leader"], note="Hurry")
        flip = LightFlip.objects.get(task=task)
        # The trail as it was before this change (CaseEvent's own manager refuses deletes).
        CaseEvent._base_manager.filter(action__in=SUPERVISION).delete()
        LightFlip.objects.create(
            task=task,
            case_id=task.case_id,
            at=local(2026, 11, 23, 15, 30),
            from_light=Light.RED,
            to_light=Light.GREEN,
            share="0.5",
            deadline_at=flip.deadline_at,
        )
        migration = importlib.import_module("dispatch.migrations.0002_supervision_trail")
        migration.backfill(apps, None)
        events = trail(task)
        assert [(e.action, e.actor, e.data["backfilled"]) for e in events] == [
            ("sla_overdue", None, True),
            ("supervise", staff["city_leader"], True),
            ("sla_cleared", None, True),
        ]
        assert events[0].data["from_light"] == "green" and events[0].data["light"] == "red"
        assert events[0].note == Supervision.objects.get(kind=SupervisionKind.SUPERVISE).message
        assert events[2].data["light"] == "green"
        migration.unfill(apps, None)
        assert trail(task) == []


class TestHonestSystemMoves:
    """System supervision is honest: the actor is 系统, and a flip the scanner sees long after
    it happened (its first run over old cases) says when the light really changed."""

    def test_a_flip_seen_on_time_carries_no_late_mark(self, clock, task):
        scan_at(clock, RED_TIME)
        [*_, red] = trail(task)
        assert red.action == "sla_overdue" and "seen_late" not in red.data

    def test_a_flip_seen_weeks_later_says_when_it_really_happened(self, clock, task):
        scan_at(clock, local(2026, 12, 21, 9, 0))  # the scanner's first run, four weeks on
        red = [e for e in trail(task) if e.action == "sla_overdue"][-1]
        assert red.data["seen_late"] is True
        assert red.data["since"] == task.deadline_at.isoformat()
        client = Client(headers={"accept-language": "zh-hans"})
        client.force_login(User.objects.get(username="dispatcher"))
        with translation.override("zh-hans"):
            page = client.get(reverse("cases:case", args=[task.case.number]))
        html = page.content.decode()
        assert "2026-11-23 15:00" in html and "系统" in html
        late = [e for e in page.context["events"] if e.late_since]
        assert [e.pk for e in late] == [red.pk]
        assert {e.who for e in page.context["events"] if e.action in SUPERVISION} == {"系统"}
        assert "公众" not in {e.who for e in page.context["events"]}
