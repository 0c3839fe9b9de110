"""seed_demo's world: routing for the common categories, cases in every state and light, devices
and cameras whose published credentials work. One seeded city for the whole module."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta

import pytest

from cases.models import Case, Evidence, Task
from cases.selectors import with_lights
from cases.states import OPEN_TASK_STATUSES, CaseStatus, Priority, SourceChannel, TaskStatus
from catalog.models import Category
from core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from demo import texts
from demo.arrivals import HISTORY_DAYS, YEAR_DAYS
from demo.history import HISTORY_FILE
from demo.seed_devices import DEVICE_PREFIX, PLANS
from dispatch.models import DecisionSource, EscalationRule, SlaState, Supervision
from dispatch.selectors import plan_route
from iot.models import Alarm, Device, Reading
from iot.tracking.models import (
    CoverageDay,
    Geofence,
    GeofenceKind,
    RoadSegment,
    TrackPoint,
    Vehicle,
    VehicleKind,
    WorkerBadge,
)
from org.models import Department, DepartmentLevel

pytestmark = pytest.mark.django_db


def _case_in(street_code: str, kind: str, code: str) -> Case:
    """An unsaved case of category kind:code in a grid of the street (enough for plan_route)."""
    from areas.models import UnitGrid

    grid = UnitGrid.objects.filter(path__contains=f"/{street_code}/").order_by("code").first()
    return Case(area_path=grid.path, category=Category.objects.get(kind=kind, code=code))


# (kind, code) -> who routing must pick: department code suffix or "street" (its office),
# "district:<suffix>", and the co-departments of a joint scenario.
EXPECTED = {
    ("component", "01002"): ("330200-WATER", ()),
    ("component", "01037"): ("330200-LD", ()),
    ("component", "02017"): ("330200-JTJ", ()),
    ("component", "03005"): ("330200-HW", ()),
    ("component", "04002"): ("330200-YL", ()),
    ("event", "06042"): ("330200-HW", ()),
    ("event", "06013"): ("330200-SZ", ()),
    ("event", "06010"): ("street", ()),
    ("event", "06036"): ("street", ()),
    ("event", "09006"): ("district:CGJ", ()),
    ("event", "09005"): ("district:CGJ", ()),
    ("event", "07001"): ("district:CGJ", ()),
    ("event", "08004"): ("district:ZJJ", ()),
    ("event", "09009"): ("330200-JJ", ()),
    ("event", "06027"): ("330200-STHJ", ("district:SCJG", "street")),
    ("event", "06028"): ("district:CGJ", ("330200-STHJ", "street")),
}


def _resolve(ref: str, street_code: str) -> str:
    if ref == "street":
        return f"{street_code}-JD"
    if ref.startswith("district:"):
        return f"{street_code[:6]}-{ref.removeprefix('district:')}"
    return ref


def test_routing_sends_every_common_category_where_the_city_would(seeded_world):
    streets = ["330203001", "330205002", "330212004"]  # one street in each district
    for street in streets:
        for (kind, code), (lead, co) in EXPECTED.items():
            plan = plan_route(_case_in(street, kind, code))
            assert plan.lead.code == _resolve(lead, street), (street, kind, code, plan.explanation)
            assert sorted(d.code for d in plan.co) == sorted(_resolve(c, street) for c in co)
            expected_source = DecisionSource.SCENARIO if co else DecisionSource.RULE
            assert plan.source == expected_source
    # Every category the demo reports has a rule (no fallback owner 兜底 for the usual cases).
    for problem in texts.PROBLEMS:
        plan = plan_route(_case_in("330203002", problem.kind, problem.code))
        assert not plan.is_fallback, (problem.code, plan.explanation)


def test_returned_cases_fall_back_and_overdue_street_tasks_escalate(seeded_world):
    office = Department.objects.get(code="330203001-JD")
    case = _case_in("330203001", "event", "06010")
    case.needs_fallback = True
    case.pk = case.dispatch_round = 0  # no task returned it: the street office is the 兜底
    assert plan_route(case).lead == office
    levels = set(EscalationRule.objects.values_list("from_level", flat=True))
    assert {DepartmentLevel.STREET, DepartmentLevel.DISTRICT} <= levels
    from dispatch.selectors import escalation_target

    assert escalation_target(office).code == "330203-YXZX"  # street -> district centre
    assert escalation_target(escalation_target(office)).code == "330200-YXZX"


def test_cases_exist_in_every_state_over_a_year(seeded_world):
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert set(statuses) == set(CaseStatus.values), statuses
    assert statuses[CaseStatus.CLOSED] > sum(statuses.values()) / 2  # most of history is done
    assert Case.objects.count() >= 200
    first = Case.objects.order_by("reported_at").first().reported_at
    assert (seeded_world.now - first).days >= YEAR_DAYS - 10  # a year for the evaluation
    recent = Case.objects.filter(reported_at__gte=seeded_world.now - timedelta(days=HISTORY_DAYS))
    assert Case.objects.count() - recent.count() >= recent.count()  # the year before: YEAR_SHARE x
    from evaluation.models import CaseFact, CaseOutcome

    older = CaseFact.objects.filter(filed_at__lt=seeded_world.now - timedelta(days=HISTORY_DAYS))
    assert older.filter(outcome=CaseOutcome.CLOSED).count() > 100  # evaluated, not only stored
    assert Case.objects.filter(reported_at__gt=seeded_world.now).count() == 0
    # The twists of real life are there: returns (兜底), extensions, joint cases, urgent ones.
    assert Case.objects.filter(status=CaseStatus.FILED, needs_fallback=True).exists()
    assert Task.objects.filter(status=TaskStatus.EXTENSION_REQUESTED).exists()
    joint = Task.objects.filter(is_lead=False).values_list("case_id", flat=True)
    assert joint.exists()
    assert Case.objects.filter(priority=Priority.URGENT).exists()
    assert Case.objects.filter(returned_count__gt=0, status=CaseStatus.CLOSED).exists()
    sources = set(Case.objects.values_list("source", flat=True))
    assert {SourceChannel.INSPECTOR, SourceChannel.HOTLINE_12345, SourceChannel.CITIZEN} <= sources
    # Disposed cases carry their generated after-photo.
    assert Evidence.objects.filter(kind="after").exists()


def test_old_straight_cases_come_from_the_history_import(seeded_world):
    from hotline.models import ImportRun

    run = ImportRun.objects.get(file_name=HISTORY_FILE)
    assert run.created > 50 and run.rejected == 0
    assert "problem:" not in seeded_world.output, seeded_world.output


def test_open_tasks_show_every_light_and_the_scanner_has_acted(seeded_world):
    tasks = Task.objects.filter(
        status__in=OPEN_TASK_STATUSES, case__status=CaseStatus.DISPATCHED, paused_at__isnull=True
    ).select_related("case")
    lights = Counter(str(light) for _task, light in with_lights(tasks, seeded_world.now))
    assert set(lights) == {"green", "yellow", "red"}, lights
    assert SlaState.objects.filter(light="red").exists()
    assert Supervision.objects.exists()  # 督办 records of the overdue ones


def test_credentials_list_devices_per_type_with_working_tokens(seeded_world, client):
    data = seeded_world.credentials
    listed = data["devices"]
    assert Counter(d["type"] for d in listed) == {plan.type_code: 2 for plan in PLANS}
    sensors = Device.objects.filter(code__startswith=DEVICE_PREFIX)  # not the trackers
    assert data["telemetry"]["devices_total"] == sensors.count() == sum(p.count for p in PLANS)
    device = listed[0]
    assert device["topic"] == f"cityops/telemetry/{device['id']}"
    assert device["token"] in device["example"]
    pack = [{"bn": f"urn:dev:cityops:{device['id']}:", "bt": time.time()}]
    pack[0].update({"n": device["metrics"][0], "v": 1.0})
    response = client.post(
        "/api/v1/telemetry",
        json.dumps(pack),
        content_type="application/senml+json",
        headers={"authorization": f"Bearer {device['token']}"},
    )
    assert response.status_code == 200, response.content
    assert Reading.objects.filter(device__code=device["id"]).count() == 1


def test_credentials_cameras_sign_video_ai_detections(seeded_world, client):
    camera = seeded_world.credentials["video_ai"]["cameras"][0]
    body = json.dumps(
        {
            "camera_id": camera["camera_id"],
            "event_type": camera["event_types"][0],
            "confidence": 0.95,
            "event_id": "test-1",
        }
    ).encode()
    stamp = str(int(time.time()))
    response = client.post(
        "/api/v1/intake/video-ai",
        body,
        content_type="application/json",
        headers={
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(camera["secret"], stamp, body),
        },
    )
    assert response.status_code in (200, 201), response.content


def test_the_city_has_vehicles_badges_fences_and_yesterdays_coverage(seeded_world):
    assert Counter(Vehicle.objects.values_list("kind", flat=True)) == {
        VehicleKind.SANITATION: 6,
        VehicleKind.MUCK: 3,
    }
    assert WorkerBadge.objects.filter(grids__isnull=False).distinct().count() == 6
    kinds = Counter(Geofence.objects.values_list("kind", flat=True))
    assert kinds == {GeofenceKind.APPROVED_ROUTE: 3, GeofenceKind.FORBIDDEN_ZONE: 1}
    # The irregular demo grids still make streets long enough to sweep (rows of grids).
    assert RoadSegment.objects.count() >= 20
    yesterday = seeded_world.now.date() - timedelta(days=1)
    coverage = CoverageDay.objects.filter(date=yesterday)
    assert coverage.count() == RoadSegment.objects.count()
    assert coverage.filter(covered_share__gt=0.5).exists()
    trackers = Device.objects.exclude(code__startswith=DEVICE_PREFIX)
    assert TrackPoint.objects.filter(tracker__in=trackers).count() > 500
    assert Alarm.objects.filter(device__in=trackers).exists()  # the planted violations
    assert "Tracking: 9 vehicles, 6 worker badges" in seeded_world.output
    assert seeded_world.credentials["counts"]["vehicles"] == 9


def test_credentials_trackers_post_positions_with_their_tokens(seeded_world, client):
    trackers = seeded_world.credentials["trackers"]
    assert Counter(t["kind"] for t in trackers) == {"sweeper": 2, "muck": 2, "badge": 2}
    for tracker in trackers:
        assert tracker["topic"] == f"cityops/telemetry/{tracker['id']}"
        assert tracker["header"] == f"Authorization: Bearer {tracker['token']}"
        pack = json.loads(tracker["example"].split("-d '")[1].split("' ")[0])
        before = TrackPoint.objects.filter(tracker__code=tracker["id"]).count()
        response = client.post(
            "/api/v1/telemetry",
            json.dumps(pack),
            content_type="application/senml+json",
            headers={"authorization": f"Bearer {tracker['token']}"},
        )
        assert response.status_code == 200, (tracker["id"], response.content)
        assert TrackPoint.objects.filter(tracker__code=tracker["id"]).count() == before + 1
    muck = next(t for t in trackers if t["kind"] == "muck")
    assert muck["plate"].startswith("浙B-") and muck["metrics"] == [
        "lat",
        "lon",
        "speed",
        "heading",
    ]


def test_every_seeded_task_has_its_evaluation_fact(seeded_world):
    from cases.models import Task
    from evaluation.models import TaskFact

    assert TaskFact.objects.count() == Task.objects.count() > 0


def test_every_filed_case_has_its_fact_and_reporters_rated_closed_cases(seeded_world):
    from cases.models import Case
    from evaluation.models import CaseFact
    from portal.models import Satisfaction

    assert CaseFact.objects.count() == Case.objects.filter(filed_at__isnull=False).count() > 0
    rated = Satisfaction.objects.count()
    assert rated > 0 and CaseFact.objects.exclude(rating=None).count() == rated
    # Mostly satisfied, never all: the satisfaction rate has something to show.
    ratings = list(Satisfaction.objects.values_list("rating", flat=True))
    assert 0.5 < sum(r >= 4 for r in ratings) / rated < 1


def test_the_demo_city_publishes_its_results(seeded_world, client):
    from evaluation.models import PublicResults

    assert PublicResults.current().enabled
    assert client.get("/en/citizen/results/").status_code == 200
