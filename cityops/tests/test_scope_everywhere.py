"""Scope on every route, generated (issue 15; NetBox-style table in core.testing's spirit).

``ROUTES`` names every URL pattern the site serves outside the admin and says what it is:

* ``Obj(kind, methods)``: the path names one object (a case, a task, an alarm ...). For every
  outsider persona (staff of another street, another department, the public, a device token)
  the answer about an existing object of the far district (西区 Gamma street) is the answer
  about a missing one: same status, same error code. Nothing tells that it exists. The city
  leader gets the object (the far object is real and the route works).
* ``List(query)``: no object in the path; an outsider's answer never names the far case or
  device.
* ``Open(why)``: for everyone by design (the login, the citizen portal, the catalogue, Open311's
  public requests, secrets in the path that are the key themselves ...).

A route missing from the table fails ``test_every_route_is_in_the_table``: a new endpoint
cannot ship without saying what its scope is. The admin is checked apart: every admin URL sends
staff without admin rights to the admin's login.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.test import Client
from django.urls import LocalePrefixPattern, URLResolver, get_resolver

from areas.models import UnitGrid
from cases.services import case_dispatch, case_file
from cases.services.reporting import case_report, evidence_attach
from cases.states import EvidenceKind, SourceChannel
from cases.tests.conftest import photo, received, staff, standard, t0  # noqa: F401 - fixtures
from evaluation import posts as evaluation_posts
from iot import services as iot_services
from iot.models import Alarm, DeviceType
from iot.tests.conftest import tilt
from iot.tracking import services as tracking_services
from iot.tracking.models import VehicleKind
from org.factories import DEFAULT_PASSWORD, DepartmentFactory
from org.models import DepartmentLevel, DepartmentType

pytestmark = pytest.mark.django_db

MISSING = {
    "case": "ZZ00000000404",
    "task": "99999999",
    "alarm": "99999999",
    "device": "NO-SUCH-DEVICE",
    "tracker": "99999999",
    "vehicle": "99999999",
    "value": "99999999",
    "department": "NO-SUCH-DEPT",
    "region": "999999",
    "media": "cases/1999/01/01/no-such-photo.jpg",
    "person": "99999999",
    "component": "33020501003999999",
    "order": "99999999",
}
BBOX = {"bbox": "120.0,29.0,123.0,31.0", "zoom": "18"}
# The post ranking of the world's month (its steps are dated T0, 23 November 2026).
NOVEMBER_INSPECTORS = {"post": "inspector", "from": "2026-11-01", "to": "2026-11-30"}


@dataclass(frozen=True)
class Obj:
    """The path names one object of ``kind`` (placeholders filled from the world)."""

    kind: str
    methods: tuple[str, ...] = ("GET",)
    path: str = ""  # when the pattern alone cannot say (an action segment, a query)
    query: dict = field(default_factory=dict)  # "{key}" is the object's key
    leader_sees: bool = True  # the city leader may GET it (pages for other roles say False)
    seen_by: tuple[str, ...] = ()  # outsiders whose slice includes it by design


@dataclass(frozen=True)
class List:
    query: dict = field(default_factory=dict)
    methods: tuple[str, ...] = ("GET",)


@dataclass(frozen=True)
class Open:
    why: str


ROUTES: dict[str, Obj | List | Open] = {
    # --- API: cases and their moves --------------------------------------------------------
    "api/v1/cases": List({"limit": "200"}, methods=("GET", "POST")),
    "api/v1/cases/<number>": Obj("case"),
    "api/v1/cases/<number>/timeline": Obj("case"),
    "api/v1/cases/<number>/reports": Obj("case"),
    "api/v1/cases/<number>/evidence": Obj("case", ("POST",)),
    "api/v1/cases/<number>/merge": Obj("case", ("POST",)),
    "api/v1/cases/<number>/split": Obj("case", ("POST",)),
    **{
        f"api/v1/cases/<number>/{move}": Obj("case", ("POST",))
        for move in (
            "verify",
            "reverify",
            "file",
            "refuse",
            "void",
            "dispatch",
            "upgrade",
            "suspend",
            "resume",
            "start-check",
            "check-pass",
            "check-fail",
            "close",
        )
    },
    "api/v1/tasks": List({"limit": "200"}),
    **{
        f"api/v1/tasks/<task_id>/{move}": Obj("task", ("POST",))
        for move in (
            "accept",
            "return",
            "extension",
            "extension/approve",
            "extension/reject",
            "dispose",
            "reroute",
            "settle",
        )
    },
    "api/v1/me": List(),
    # --- API: routing and supervision ------------------------------------------------------
    "api/v1/dispatch/rules": List(methods=("GET", "POST")),
    "api/v1/dispatch/suggest": Obj(
        "case", path="/api/v1/dispatch/suggest", query={"case": "{key}"}
    ),
    "api/v1/dispatch/cases/<number>/route": Obj("case", ("POST",)),
    "api/v1/dispatch/cases/<number>/supervisions": Obj("case", ("GET", "POST")),
    "api/v1/dispatch/tasks/<task_id>/supervise": Obj("task", ("POST",)),
    "api/v1/dispatch/tasks/<task_id>/reply": Obj("task", ("POST",)),
    # --- API: intake -----------------------------------------------------------------------
    "api/v1/intake/sources/counts": List(),
    "api/v1/intake/reports": List(methods=("POST",)),
    "api/v1/intake/video-ai": Open("signed by the camera's secret; checked before the camera id"),
    # --- API: sensing ----------------------------------------------------------------------
    "api/v1/telemetry": Open("a device's own token; it writes only its own readings"),
    "api/v1/iot/alarms": List({"limit": "200"}),
    "api/v1/iot/alarms/<alarm_id>/acknowledge": Obj("alarm", ("POST",)),
    "api/v1/iot/alarms/<alarm_id>/clear": Obj("alarm", ("POST",)),
    "api/v1/iot/devices": List({"limit": "200"}),
    "api/v1/iot/devices/<code>": Obj("device"),
    # --- API: evaluation, signs, map, cockpit ------------------------------------------------
    "api/v1/evaluation/departments": List(),
    "api/v1/evaluation/departments/<code>/tasks": Obj("department", query={"count": "due"}),
    "api/v1/evaluation/regions": List(),
    "api/v1/evaluation/headline": List(),
    "api/v1/evaluation/regions/<code>/cases": Obj("region", query={"count": "filed"}),
    "api/v1/evaluation/posts": List(query=NOVEMBER_INSPECTORS),
    "api/v1/signs/feeds/<code>": Open("a feed's own token; it writes only its own leaf"),
    "api/v1/signs/tree": Open("the indicator tree is the city's published method"),
    "api/v1/signs/now": List(),
    "api/v1/signs/values": List(),
    "api/v1/components/nearby": List(
        query={"lon": "{far_lon}", "lat": "{far_lat}", "radius": "500"}
    ),
    "api/v1/components/<code>": Obj("component"),
    "api/v1/plans/orders": List(query={"day": "2026-10-12"}),
    "api/v1/plans/orders/<pk>/complete": Obj("order", methods=("POST",)),
    "api/v1/plans/orders/<pk>/inspect": Obj("order", methods=("POST",)),
    # A department's staff see the index of their department's area (a city bureau: the city).
    "api/v1/signs/values/<value_id>": Obj("value", seen_by=("roads_disposer",)),
    "api/v1/map/cases": List(BBOX),
    "api/v1/map/heat": List(BBOX),
    "api/v1/map/devices": List(BBOX),
    "api/v1/map/components": List(BBOX),
    "api/v1/map/trackers": List({"bbox": BBOX["bbox"]}),
    "api/v1/map/trackers/<device_id>/trail": Obj("tracker"),
    "api/v1/map/areas": List(),
    "api/v1/map/fences": List(),
    "api/v1/map/coverage": List(),
    "api/v1/cockpit": List(),
    # --- API: reference data and the API itself ----------------------------------------------
    "api/v1/areas": List(),
    "api/v1/areas/geojson": List(),
    "api/v1/grids/geojson": List(),
    "api/v1/grids/locate": List({"lon": "121.505", "lat": "29.865"}),
    "api/v1/categories": Open("the GB/T 47678.5 category directory"),
    "api/v1/categories/suggest": Open("the GB/T 47678.5 category directory"),
    "api/v1/categories/<kind>/<code>": Open("the GB/T 47678.5 category directory"),
    "api/v1/openapi.json": Open("the API's description"),
    "api/v1/docs": Open("the API's description"),
    "api/v1/": Open("the API's index"),
    "^api/v1/(?P<path>.*)$": Open("the JSON 404 of unknown API paths"),
    # --- Open311 (GeoReport v2: requests are public by the standard) -------------------------
    "open311/v2/": Open("GeoReport index"),
    "open311/v2/^discovery\\.(?P<fmt>xml|json)$": Open("GeoReport discovery"),
    "open311/v2/^services\\.(?P<fmt>xml|json)$": Open("GeoReport service list"),
    "open311/v2/^services/(?P<code>[^/]+)\\.(?P<fmt>xml|json)$": Open("GeoReport service"),
    "open311/v2/^requests\\.(?P<fmt>xml|json)$": Open("GeoReport public requests, no reporter"),
    "open311/v2/^requests/(?P<request_id>[^/]+)\\.(?P<fmt>xml|json)$": Open("public request"),
    "open311/v2/^tokens/(?P<token>[^/]+)\\.(?P<fmt>xml|json)$": Open("the token is the key"),
    "open311/v2/^servicerequestupdates\\.(?P<fmt>xml|json)$": Open("public request updates"),
    "open311/v2/^(?P<path>.+)$": Open("the GeoReport 404"),
    # --- site-wide ---------------------------------------------------------------------------
    "i18n/setlang/": Open("the language switch"),
    "media/<path:path>": Obj("media"),
    "metrics": Open("METRICS_TOKEN only (core.metrics)"),
    "csp-report": Open("browsers report policy violations here, anyone's (core.csp_report)"),
    # --- pages: the desk -----------------------------------------------------------------------
    "cases/": List({"queue": "all"}),
    "cases/bulk-dispatch/": List(methods=("POST",)),
    "cases/m/tasks/": List(),
    "cases/m/inspect/": List(),
    "cases/m/report/": Open("a redirect to the inspector's report form"),
    "cases/<str:number>/": Obj("case"),
    "cases/<str:number>/standards/": Obj("case"),
    "cases/<str:number>/do/<str:action>/": Obj("case", ("POST",), path="/cases/{case}/do/verify/"),
    "intake/new/": List(methods=("GET", "POST")),
    "intake/call/": List(methods=("GET", "POST")),
    "intake/call/places/": List({"q": "Gamma"}),
    "intake/call/nearby/": List({"lon": "121.405", "lat": "29.865"}),
    "intake/m/report/": List(methods=("GET", "POST")),
    "intake/m/report/categories/": Open("the category directory for the picker"),
    "intake/cases/<str:number>/merge/": Obj("case", ("GET", "POST"), leader_sees=False),
    "intake/cases/<str:number>/split/": Obj("case", ("GET", "POST"), leader_sees=False),
    # --- pages: the citizen portal ---------------------------------------------------------------
    "citizen/results/": Open("published evaluation results (off unless published)"),
    "citizen/": Open("the citizen portal"),
    "citizen/report/": Open("the citizen portal"),
    "citizen/suggest/": Open("the citizen portal's category suggestions"),
    "citizen/t/<str:token>/": Open("the tracking token is the key"),
    "citizen/t/<str:token>/rate/": Open("the tracking token is the key"),
    "citizen/find/": Open("number + full phone, throttled (portal.tracking)"),
    "citizen/map/areas.geojson": Open("district outlines for the portal's map"),
    # --- pages: sensing ---------------------------------------------------------------------------
    "iot/devices/": List(),
    "iot/devices/<str:code>/": Obj("device"),
    "iot/alarms/": List(),
    "iot/alarms/<int:alarm_id>/<str:action>/": Obj(
        "alarm", ("POST",), path="/iot/alarms/{alarm}/case/"
    ),
    "iot/vehicles/": List(),
    "iot/vehicles/<int:vehicle_id>/track/": Obj("vehicle"),
    "iot/vehicles/<int:vehicle_id>/track.json": Obj("vehicle"),
    # --- pages: evaluation, signs -------------------------------------------------------------------
    "evaluation/": List(),
    "evaluation/cases/": List(),
    "evaluation/departments/<str:code>/": Obj("department"),
    "evaluation/regions/": List(),
    "evaluation/regions/cases/": List(),
    "evaluation/schemes/<int:pk>/": Open("schemes are city-wide configuration, role-gated"),
    "evaluation/bulletin/": List(),
    "evaluation/posts/": List(query=NOVEMBER_INSPECTORS),
    "signs/figures/": List(),
    "components/": List(),
    "components/labels/": List(),
    "components/survey/": List(),
    "components/<str:code>/": Obj("component"),
    "plans/orders/": List(query={"since": "2026-10-12", "until": "2026-10-12"}),
    "plans/orders/<int:pk>/": Obj("order"),
    # The far order has no photo: the leader gets 404 too (an order with one: 200).
    "plans/orders/<int:pk>/photo/": Obj("order", leader_sees=False),
    "plans/orders/<int:pk>/complete/": Obj("order", methods=("POST",)),
    "plans/orders/<int:pk>/report/": Obj("order", methods=("POST",)),
    "plans/orders/<int:pk>/inspect/": Obj("order", methods=("POST",)),
    "plans/operators/": List(query={"since": "2026-10-12", "until": "2026-10-12"}),
    "evaluation/posts/steps/": Obj(
        "person", query={"post": "inspector", "person": "{key}", "count": "report"}
    ),
    "signs/": List(),
    "signs/values/<int:pk>/": Obj("value", seen_by=("roads_disposer",)),
    "signs/weights/": List(),
    # --- pages: the shell -------------------------------------------------------------------------
    "": List(),
    "start/": Open("a redirect to the user's own start page"),
    "map/": List(),
    "cockpit/": List(),
    "m/": List(),
    "sw.js": Open("the service worker"),
    "manifest.webmanifest": Open("the app manifest"),
    "m/supervise/<str:number>/": Obj("case", ("POST",), leader_sees=False),
    "login/": Open("the login"),
    "password/": Open("the user's own password"),
    "password/done/": Open("the user's own password"),
    "account/two-factor/": Open("the user's own second factor (administrators and leaders)"),
    "password/reset/": Open("asks for a reset link by email (throttled, same answer for all)"),
    "password/reset/sent/": Open("the reset's confirmation page"),
    "password/reset/sms/": Open("asks for a texted code (throttled, same answer for all)"),
    "password/reset/sms/code/": Open("the texted code is the key"),
    "password/reset/<uidb64>/<token>/": Open("the one-time token is the key"),
    "logout/": Open("the logout"),
}

# Staff who must not see the far district (Gamma street, 西区): other streets, other departments.
OUTSIDERS = ["alpha_inspector", "beta_operator", "roads_disposer", "alpha_disposer"]


def site_routes() -> dict[str, object]:
    """Every URL pattern outside the admin, as written (prefix + pattern)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                # The language prefix (zh-Hans none, /en/) is not part of a route.
                own = (
                    "" if isinstance(pattern.pattern, LocalePrefixPattern) else str(pattern.pattern)
                )
                yield from walk(pattern.url_patterns, prefix + own)
            else:
                yield prefix + str(pattern.pattern), pattern

    return {route: p for route, p in walk(get_resolver().url_patterns)}


def test_every_route_is_in_the_table():
    routes = {r for r in site_routes() if not r.startswith("admin/")}
    unknown = sorted(routes - set(ROUTES))
    assert not unknown, f"say what the scope of these routes is in ROUTES: {unknown}"
    assert not sorted(set(ROUTES) - routes), "ROUTES names routes that no longer exist"


@pytest.fixture
def world(staff, small_city, standard, t0):  # noqa: F811
    """One of everything in the far district (西区, Gamma street), with its own department."""
    c = small_city
    gamma_office = DepartmentFactory(
        code="ST-GAMMA",
        name="Gamma street office",
        level=DepartmentLevel.STREET,
        type=DepartmentType.TERRITORIAL,
        area=c.gamma,
    )
    far_grid = UnitGrid.objects.get(code="330205001001001")
    case = received(
        case_report(
            actor=staff["gamma_inspector"],
            source=SourceChannel.INSPECTOR,
            trusted=True,
            grid=far_grid,
            description="Gamma road manhole cover missing",
            now=t0,
        )
    )
    case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    (task,) = case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[gamma_office], now=t0
    )
    evaluation_posts.write([case.pk])  # the gamma inspector's report: a step in the far district
    from catalog.models import Category, CategoryKind
    from components.models import Component

    cover = Category.objects.filter(kind=CategoryKind.COMPONENT).order_by("code").first()
    component = Component.objects.create(
        code=f"330205{cover.code}000001", category=cover, name="Gamma cover",
        manager_code="GAMMA", manager_name="Gamma office", grid=far_grid,
        area_path=far_grid.path, geometry={"type": "Point", "coordinates": [far_grid.centroid_lon, far_grid.centroid_lat]},
        lon=far_grid.centroid_lon, lat=far_grid.centroid_lat, initial_date=t0.date(),
    )  # fmt: skip
    (evidence,) = evidence_attach(
        case=case,
        actor=staff["gamma_inspector"],
        photos=[photo("gamma.jpg")],
        kind=EvidenceKind.BEFORE,
        now=t0,
    )
    device, _ = iot_services.device_create(
        code="MH-GAMMA-1",
        device_type=DeviceType.objects.get(code="manhole_cover"),
        lon=far_grid.centroid_lon,
        lat=far_grid.centroid_lat,
        department=gamma_office,
    )
    tilt(device.code, (0, 25), (60, 30))  # a displaced cover: an alarm and its case
    alarm = Alarm.objects.get(device=device)
    vehicle, _ = tracking_services.vehicle_create(
        plate="浙B-G0001",
        kind=VehicleKind.SANITATION,
        area=c.gamma,
        token="gamma-sweeper-token-0001",
    )
    from signs import services as signs
    from signs.models import SignValue

    signs.compute_day(date(2026, 11, 30))
    value = SignValue.objects.filter(area_path=c.west.path).order_by("pk").first()
    assert value is not None
    from plans import scheduler
    from plans.models import Frequency, Plan, PlanItem, WorkOrder

    rounds = Plan.objects.create(
        name="Gamma sweeping", department=gamma_office, frequency=Frequency.EVERY_DAY,
        times=["08:00"], starts_on=date(2026, 1, 1), needs_photo=False,
    )  # fmt: skip
    PlanItem.objects.create(plan=rounds, grid=far_grid, area_path=far_grid.path)
    scheduler.generate(date(2026, 10, 12))
    order = WorkOrder.objects.get(plan=rounds)
    return {
        "case": case.number,
        "task": str(task.pk),
        "alarm": str(alarm.pk),
        "device": device.code,
        "tracker": str(vehicle.device_id),
        "vehicle": str(vehicle.pk),
        "value": str(value.pk),
        "department": gamma_office.code,
        "region": c.west.code,
        "media": evidence.file.name,
        "person": str(staff["gamma_inspector"].pk),
        "component": component.code,
        "order": str(order.pk),
        "far_lon": str(far_grid.centroid_lon),
        "far_lat": str(far_grid.centroid_lat),
        # ... and the far inspector, whose steps the post ranking counts in the far district
        "_names": [
            case.number,
            alarm.case.number,
            device.code,
            vehicle.plate,
            "inspector_gamma",
            component.code,
            "Gamma sweeping",
        ],  # fmt: skip
    }


def _path(route: str, spec: Obj, key: str) -> str:
    if spec.path:
        return spec.path.format(**{spec.kind: key})
    path = "/" + route
    for placeholder in (
        "<number>",
        "<str:number>",
        "<task_id>",
        "<alarm_id>",
        "<code>",
        "<str:code>",
        "<value_id>",
        "<int:pk>",
        "<device_id>",
        "<int:vehicle_id>",
        "<path:path>",
        "<pk>",
    ):
        path = path.replace(placeholder, key)
    assert "<" not in path, path
    return path


def _clients(staff) -> dict[str, Client]:  # noqa: F811
    clients = {"anonymous": Client()}
    for name in OUTSIDERS + ["city_leader"]:
        client = Client()
        assert client.login(username=staff[name].username, password=DEFAULT_PASSWORD)
        clients[name] = client
    device_client = Client(HTTP_AUTHORIZATION="Bearer gamma-sweeper")  # a device's token
    clients["device_token"] = device_client
    return clients


def _answer(response) -> tuple:
    """What a response says about the object: status, error code, where it sends you."""
    code = None
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            code = json.loads(response.content or b"{}").get("code")
        except (ValueError, AttributeError):
            code = "?"
    return response.status_code, code, response.get("Location", "")


def _query(spec: Obj, key: str) -> dict:
    return {k: v.format(key=key) for k, v in spec.query.items()}


def _call(client: Client, method: str, path: str, query: dict | None = None):
    if method == "GET":
        return client.get(path, query or {})
    if path.startswith("/api/"):
        return client.post(path, data="{}", content_type="application/json")
    return client.post(path, {})


def test_out_of_scope_objects_answer_like_missing_ones(world, staff):  # noqa: F811
    clients = _clients(staff)
    leaks = []
    for route, spec in ROUTES.items():
        if not isinstance(spec, Obj):
            continue
        far, missing = _path(route, spec, world[spec.kind]), _path(route, spec, MISSING[spec.kind])
        far_query, missing_query = _query(spec, world[spec.kind]), _query(spec, MISSING[spec.kind])
        for method in spec.methods:
            for name, client in clients.items():
                if name == "city_leader" or name in spec.seen_by:
                    continue
                seen = _answer(_call(client, method, far, far_query))
                unseen = _answer(_call(client, method, missing, missing_query))
                unseen = (unseen[0], unseen[1], unseen[2].replace(MISSING[spec.kind], "KEY"))
                seen = (seen[0], seen[1], seen[2].replace(world[spec.kind], "KEY"))
                if seen != unseen or 200 <= seen[0] < 300:
                    leaks.append(f"{name} {method} {far}: {seen} vs missing {unseen}")
    assert leaks == [], "\n".join(leaks)


def test_the_city_leader_gets_every_far_object(world, staff):  # noqa: F811
    """The far objects are real and each route works: the outsiders' 404 means something."""
    leader = _clients(staff)["city_leader"]
    refused = []
    for route, spec in ROUTES.items():
        if isinstance(spec, Obj) and spec.leader_sees and "GET" in spec.methods:
            path = _path(route, spec, world[spec.kind])
            response = leader.get(path, _query(spec, world[spec.kind]))
            if response.status_code != 200:
                refused.append(f"{path}: {response.status_code}")
    assert refused == [], "\n".join(refused)


def test_lists_never_name_the_far_case_or_device_to_outsiders(world, staff):  # noqa: F811
    clients = _clients(staff)
    named = []
    for route, spec in ROUTES.items():
        if not isinstance(spec, List) or "GET" not in spec.methods:
            continue
        query = {k: v.format(**world) for k, v in spec.query.items()}
        for name, client in clients.items():
            if name == "city_leader":
                continue
            body = client.get("/" + route, query).content.decode(errors="replace")
            for far in world["_names"]:
                if far in body:
                    named.append(f"{name} /{route}: {far}")
    assert named == [], "\n".join(named)


def test_every_admin_page_sends_staff_without_admin_rights_to_its_login(staff):  # noqa: F811
    inspector = Client()
    assert inspector.login(username=staff["alpha_inspector"].username, password=DEFAULT_PASSWORD)
    let_in = []
    for route in site_routes():
        if not route.startswith("admin/") or route in ("admin/login/", "admin/logout/"):
            continue
        path = "/en/" + route
        for placeholder in ("<path:object_id>", "<int:pk>", "<path:content_type_id>"):
            path = path.replace(placeholder, "1")
        if "<" in path:
            continue
        for client in (inspector, Client()):
            response = client.get(path)
            if response.status_code not in (302, 404) or (
                response.status_code == 302 and "/admin/login/" not in response["Location"]
            ):
                let_in.append(f"{path}: {response.status_code} {response.get('Location', '')}")
    assert let_in == [], "\n".join(let_in)
