"""Cases on components: a report names a registered component (its category and place fill
missing ones), routing goes to the component's owner first (部件先属主) and says so, and the
component's state follows the case (破损 on filing, 完好 on closing) with the case in its history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services
from cases.tests.conftest import photo
from components import identifiers
from components.models import Component, ComponentState
from components.tests.test_register import EAST_GRID, _feature, _load, cover  # noqa: F401
from dispatch import selectors as dispatch_selectors
from dispatch.models import DecisionSource
from intake.services import receive_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(cover):  # noqa: F811
    """A 4 工作时 filing standard of the covers' own category."""
    from cases.factories import FilingStandardFactory

    return FilingStandardFactory(category=cover)


@pytest.fixture
def roads_cover(cover, staff):  # noqa: F811
    """An intact cover in Alpha-1 maintained by the city roads bureau (养护单位代码 CITY-ROADS)."""
    code = identifiers.make("330203", cover.code, 1)
    _load([_feature(code, YHDWDM="CITY-ROADS")])
    return Component.objects.get(code=code)


def test_a_report_naming_a_component_takes_its_category_and_place(roads_cover, staff, client):
    client.force_login(staff["alpha_inspector"])
    response = client.post(
        "/api/v1/cases",
        {"source": "inspector", "description": "Cover cracked", "component": roads_cover.code},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    from cases.models import Case

    case = Case.objects.get(number=body["number"])
    assert case.component == roads_cover and case.category == roads_cover.category
    assert case.grid == roads_cover.grid and case.lon == roads_cover.lon


@pytest.mark.parametrize(
    "change, says",
    [
        ({"component": "33020301003999999"}, "No registered component"),
        ({"category": {"kind": "event", "code": "01001"}}, "is a"),
    ],
)
def test_a_component_that_is_not_there_or_of_another_category_is_refused(
    roads_cover, staff, client, change, says
):
    client.force_login(staff["alpha_inspector"])
    payload = {"source": "inspector", "description": "Cover cracked", "component": roads_cover.code}
    response = client.post("/api/v1/cases", {**payload, **change}, content_type="application/json")
    assert response.status_code == 422 and says in response.json()["message"], response.content


def test_a_removed_component_cannot_be_reported(roads_cover, staff):
    Component.objects.filter(pk=roads_cover.pk).update(state=ComponentState.REMOVED)
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="No registered component"):
        receive_report(
            source="inspector",
            description="x",
            component=roads_cover.code,
            actor=staff["alpha_inspector"],
        )


def test_routing_goes_to_the_owner_first_and_says_why(roads_cover, staff, standard, cover):  # noqa: F811
    result = receive_report(
        source="inspector",
        description="Cover cracked",
        component=roads_cover,
        actor=staff["alpha_inspector"],
    )
    case = services.case_file(case=result.case, actor=staff["shift_leader"], standard=standard)
    plan = dispatch_selectors.plan_route(case)
    assert plan.source == DecisionSource.COMPONENT and plan.lead.code == "CITY-ROADS"
    assert roads_cover.code in plan.explanation
    # Without a department of its own, the territory's rules decide (部件先属主、后属地).
    other = identifiers.make("330203", cover.code, 2)
    _load([_feature(other)])
    unowned = receive_report(
        source="inspector", description="Another cover", component=other, actor=staff["alpha_inspector"],
        lon=roads_cover.lon + 0.001, lat=roads_cover.lat,
    ).case  # fmt: skip
    unowned = services.case_file(case=unowned, actor=staff["shift_leader"], standard=standard)
    assert dispatch_selectors.plan_route(unowned).source != DecisionSource.COMPONENT


def test_the_components_state_follows_the_case(
    roads_cover, staff, standard, django_capture_on_commit_callbacks
):
    from dispatch import services as dispatch_services

    with django_capture_on_commit_callbacks(execute=True):
        case = receive_report(
            source="inspector", description="Cover cracked", component=roads_cover,
            actor=staff["alpha_inspector"],
        ).case  # fmt: skip
        case = services.case_file(case=case, actor=staff["shift_leader"], standard=standard)
    roads_cover.refresh_from_db()
    assert roads_cover.state == "damaged"
    filed = roads_cover.history.order_by("at", "pk").last()
    assert filed.case == case and filed.fields == {"state": ["intact", "damaged"]}
    with django_capture_on_commit_callbacks(execute=True):
        [task] = dispatch_services.route(case=case, actor=staff["city_dispatcher"])
        assert task.department.code == "CITY-ROADS"
        services.task_accept(task=task, actor=staff["roads_disposer"])
        services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo()])
        case.refresh_from_db()
        services.case_check_pass(case=case, actor=staff["alpha_inspector"])
        case.refresh_from_db()
        services.case_close(
            case=case, actor=staff["shift_leader"], now=case.updated_at + timedelta(minutes=1)
        )
    roads_cover.refresh_from_db()
    assert roads_cover.state == "intact"
    assert [
        h.fields["state"][1] for h in roads_cover.history.filter(source="case").order_by("at", "pk")
    ] == [
        "damaged",
        "intact",
    ]


def test_a_sensors_alarm_case_names_the_component_it_watches(roads_cover, staff, small_city):
    """The cover's tilt sensor belongs to the cover: its alarm's case is about that component
    (a 管理事项 "井盖异常" shares the 部件's code and is accepted)."""
    from catalog.models import Category
    from iot import services as iot_services
    from iot.models import Alarm, DeviceType
    from iot.tests.conftest import tilt  # readings through the batch, as the consumer writes

    device, _token = iot_services.device_create(
        code="MH-COVER-1",
        device_type=DeviceType.objects.get(code="manhole_cover"),
        component=roads_cover,
    )
    assert (device.lon, device.grid) == (roads_cover.lon, roads_cover.grid)
    matter = Category.objects.filter(kind="event", code=roads_cover.category.code).first()
    if matter is not None:
        device.category = matter
        device.save()
    tilt(device.code, (0, 25), (60, 30))
    alarm = Alarm.objects.get(device=device)
    assert alarm.case is not None and alarm.case.component == roads_cover


def test_a_component_outside_the_reporters_area_or_far_from_the_place_is_refused(
    roads_cover,
    staff,
    cover,  # noqa: F811
):
    from core.errors import ValidationFailed

    west = identifiers.make("330205", cover.code, 1)
    _load([_feature(west, grid="330205001001001")])
    with pytest.raises(ValidationFailed, match="No registered component"):
        receive_report(
            source="inspector", description="x", component=west, actor=staff["alpha_inspector"]
        )
    with pytest.raises(ValidationFailed, match="m from the reported place"):
        receive_report(
            source="inspector", description="x", component=roads_cover.code,
            lon=roads_cover.lon + 0.01, lat=roads_cover.lat, actor=staff["alpha_inspector"],
        )  # fmt: skip


def test_the_qr_page_opens_a_report_that_starts_at_the_component(roads_cover, staff, client):
    """An inspector scans the label (the component's page), taps report: category, place and
    component are filled in; the report sent names the component and goes to its owner."""
    from cases.models import Case

    client.force_login(staff["alpha_inspector"])
    page = client.get(f"/components/{roads_cover.code}/").content.decode()
    assert f"/intake/m/report/?component={roads_cover.code}" in page
    form = client.get("/intake/m/report/", {"component": roads_cover.code}).context["form"]
    assert form.initial["component"] == roads_cover.code
    assert form.initial["category"] == roads_cover.category_id
    assert (form.initial["lon"], form.initial["lat"]) == (roads_cover.lon, roads_cover.lat)
    sent = client.post(
        "/intake/m/report/",
        {
            "description": "井盖破损",
            "category": roads_cover.category_id,
            "lon": roads_cover.lon,
            "lat": roads_cover.lat,
            "component": roads_cover.code,
            "photos": photo(),
        },
    )
    assert sent.status_code == 302, sent.content
    assert Case.objects.get().component == roads_cover
    # A component out of the inspector's area opens an empty report (nothing told about it).
    client.force_login(staff["gamma_inspector"])
    assert (
        client.get("/intake/m/report/", {"component": roads_cover.code}).context["form"].initial
        == {}
    )
    assert f"?component={roads_cover.code}" not in (
        client.get(f"/components/{roads_cover.code}/").content.decode()
    )


def test_a_report_form_with_a_malformed_component_is_refused_by_name(roads_cover, staff, client):
    from cases.models import Case

    client.force_login(staff["alpha_inspector"])
    sent = client.post(
        "/intake/m/report/",
        {
            "description": "井盖破损",
            "lon": roads_cover.lon,
            "lat": roads_cover.lat,
            "component": "not-a-code",
            "photos": photo(),
        },
    )
    assert sent.status_code == 200 and "component" in sent.context["form"].errors
    assert not Case.objects.exists()


def test_a_citizen_scanning_the_label_reports_on_the_component(roads_cover, client, settings):
    """The QR label's address (identifier and the label's key), opened by a citizen's phone,
    leads to the citizen report started at the component; the case keeps it. Without the
    label's key, or for a code that names nothing, the plain form opens: the register is not
    open to anyone counting through identifiers."""
    from cases.models import Case
    from components.labels import label_key

    settings.PORTAL_REQUIRE_PHOTO = False
    key = label_key(roads_cover.code)
    scanned = client.get(f"/components/{roads_cover.code}/", {"k": key})
    assert scanned.status_code == 302
    assert scanned["Location"] == f"/citizen/report/?component={roads_cover.code}&k={key}"
    missing = client.get("/components/33020301003999999/")
    assert missing["Location"] == "/citizen/report/?component=33020301003999999&k="
    page = client.get(scanned["Location"])
    assert page.context["about"] == roads_cover
    assert page.context["form"].initial["component"] == roads_cover.code
    assert client.get(missing["Location"]).context["about"] is None
    guessed = client.get(f"/citizen/report/?component={roads_cover.code}&k=0000000000000000")
    assert guessed.context["about"] is None
    assert guessed.context["form"].initial.get("component") is None
    report = {
        "description": "井盖翘起来了", "lon": roads_cover.lon, "lat": roads_cover.lat,
        "component": roads_cover.code, "component_key": key, "category": "",
    }  # fmt: skip
    sent = client.post("/citizen/report/", report)
    assert sent.status_code == 302, sent.content
    case = Case.objects.get()
    assert case.component == roads_cover and case.source == "citizen"
    assert case.category == roads_cover.category  # filled from the component
    # Without the key the report is taken, without the component.
    client.post("/citizen/report/", {**report, "component_key": "", "description": "又翘了"})
    assert Case.objects.exclude(pk=case.pk).get().component is None


def test_a_citizen_whose_pin_moved_far_from_the_label_still_reports(roads_cover, client, settings):
    """The label's component no longer fits (the pin moved 1 km): the report goes on without
    it, the desk told why, instead of a form that can never be sent."""
    from cases.models import Case
    from components.labels import label_key
    from intake.models import IntakeReport

    settings.PORTAL_REQUIRE_PHOTO = False
    sent = client.post(
        "/citizen/report/",
        {
            "description": "井盖翘起来了", "lon": roads_cover.lon + 0.01, "lat": roads_cover.lat,
            "component": roads_cover.code, "component_key": label_key(roads_cover.code),
        },
    )  # fmt: skip
    assert sent.status_code == 302, sent.content
    case = Case.objects.get()
    assert case.component is None
    dropped = IntakeReport.objects.get(case=case).payload["data"]["component_dropped"]
    assert dropped["code"] == roads_cover.code and dropped["why"]


def test_printed_labels_outlive_a_rotated_secret_key(roads_cover, settings):
    from components.labels import key_matches, label_key

    printed = label_key(roads_cover.code)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert key_matches(roads_cover.code, printed)
    assert not key_matches(roads_cover.code, "0" * 16)
