"""Reads for the Open311 endpoint: offered services and the public view of cases.

A case is public when its category is mapped to an Open311 service (past or present: a case
without a service_code cannot be described in GeoReport v2) and it came from one of
``conf.public_sources()`` or an Open311 client reported into it (then without its text). Every list is built in a fixed number of queries, whatever its
length (cases, then their public events, tasks, photos and submissions in one query each).

Photos (``media_url``): only two kinds of photo are public here.
- After-photos (处置后), taken by the department on the work, once the work is reported done.
- Before-photos a reporter published through GeoReport itself: stored with an Open311 report
  (same case, same instant as the report was received). A photo sent through the citizen portal,
  a hotline, an inspector's phone or a camera is not, even on a public case: it may show the
  reporter's home, faces or number plates, and its sender never chose to publish it.
A ``media_url`` a client sent as a link is passed on as it came until its photo is fetched
(open311.media, in the background): the fetched copy is stored as a before-photo taken at the
instant its report was received, so from then on it is a published GeoReport photo like an
uploaded one, and the answer carries our signed link (it outlives the client's server, without
EXIF). A link whose photo was refused or could not be fetched stays as it came.
Our photos are not in a public folder (cases.media answers /media/ to staff only): the URL is
signed and opens that one photo for ``MEDIA_LINK_SECONDS`` (a week, rounded up to ten minutes so
repeated answers carry the same URL). Clients that keep a request longer fetch it again for a
fresh link; a case that stops being public stops handing out links at once, and old links die
within the week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery

from cases.media import signed_url
from cases.models import Case, CaseEvent, Evidence, Task
from cases.states import CaseAction, CaseStatus, EvidenceKind, SourceChannel
from intake.models import IntakeReport, MergeKind, MergeRecord
from open311 import conf, public, w3c
from open311.models import Service, ServiceAttribute, Submission
from org.models import Department

MAX_REQUESTS = 1000  # GeoReport v2: at most the first 1,000 requests per answer
MEDIA_LINK_SECONDS = 7 * 24 * 3600  # how long a photo link in an answer opens the photo


def services_offered() -> QuerySet[Service]:
    return (
        Service.objects.filter(is_active=True)
        .select_related("category")
        .annotate(attribute_count=Count("attributes"))
    )


def service_get(code: str, *, offered_only: bool = True) -> Service | None:
    qs = Service.objects.select_related("category")
    if offered_only:
        qs = qs.filter(is_active=True)
    return qs.filter(service_code=code).first()


# Every 部件 service also takes the registered component it is about (部件标识码: the 17 digits
# on its QR label), so routing follows its owner (部件先属主); CityOps's own attribute.
COMPONENT_ATTRIBUTE = "component"


def component_attribute(service: Service) -> ServiceAttribute | None:
    """The built-in ``component`` attribute of a 部件 service (not stored), or None."""
    from catalog.models import CategoryKind
    from open311.models import Datatype

    if service.category is None or service.category.kind != CategoryKind.COMPONENT:
        return None
    return ServiceAttribute(
        service=service, code=COMPONENT_ATTRIBUTE, variable=True, datatype=Datatype.STRING,
        required=False, order=999, datatype_description="17 digits (GB/T 47678.5 部件标识码)",
        description="部件标识码（17 位，见部件上的二维码标牌）Component identifier on its QR label",
    )  # fmt: skip


def service_attributes(service: Service) -> list[ServiceAttribute]:
    defined = list(service.attributes.order_by("order", "code"))
    builtin = component_attribute(service)
    if builtin is not None and all(a.code != COMPONENT_ATTRIBUTE for a in defined):
        defined.append(builtin)
    return defined


def known_service_codes(codes: Iterable[str]) -> set[str]:
    return set(
        Service.objects.filter(service_code__in=list(codes)).values_list("service_code", flat=True)
    )


def public_cases() -> QuerySet[Case]:
    """Cases of mapped categories from public channels, and any case an Open311 client
    reported into (a POST attached as a duplicate must be able to follow its id)."""
    via_open311 = IntakeReport.objects.filter(case=OuterRef("pk"), source=SourceChannel.OPEN311)
    return (
        Case.objects.filter(category__open311_service__isnull=False)
        .filter(Q(source__in=conf.public_sources()) | Q(Exists(via_open311)))
        .select_related("category__open311_service")
    )


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of requested (or updated) datetimes."""

    start: datetime
    end: datetime


def requests_filtered(
    *,
    ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    window: Window | None = None,
    statuses: list[str] | None = None,
    page: int = 1,
    page_size: int = MAX_REQUESTS,
) -> list[Case]:
    """Public cases, newest first. ``ids`` (case numbers) overrides every other filter."""
    qs = public_cases()
    if ids is not None:
        return list(qs.filter(number__in=ids[:MAX_REQUESTS]).order_by("-reported_at", "-pk"))
    if service_codes:
        qs = qs.filter(category__open311_service__service_code__in=service_codes)
    if window is not None:
        qs = qs.filter(reported_at__gte=window.start, reported_at__lt=window.end)
    if statuses and set(statuses) != {public.OPEN, public.CLOSED}:
        final = [CaseStatus.CLOSED, CaseStatus.VOIDED]
        qs = (
            qs.filter(status__in=final)
            if statuses == [public.CLOSED]
            else qs.exclude(status__in=final)
        )
    offset = (page - 1) * page_size
    return list(qs.order_by("-reported_at", "-pk")[offset : offset + page_size])


def public_case(number: str) -> Case | None:
    return public_cases().filter(number=number).first()


# --- building the documents ----------------------------------------------------------------


def _latest_public_events(case_ids: list[int]) -> tuple[dict[int, CaseEvent], dict[int, datetime]]:
    """Each case's latest public event, and the time of its latest event of any kind."""
    latest = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), action__in=public.NOTE_ACTIONS)
        .order_by("-at", "-pk")
        .values("pk")[:1]
    )
    rows = list(
        Case.objects.filter(pk__in=case_ids)
        .annotate(event_id=Subquery(latest), last_at=Max("events__at"))
        .values_list("pk", "event_id", "last_at")
    )
    events = CaseEvent.objects.select_related("task__department").in_bulk(
        [e for _pk, e, _at in rows if e is not None]
    )
    return (
        {pk: events[e] for pk, e, _at in rows if e in events},
        {pk: at for pk, _e, at in rows if at is not None},
    )


def _department_names(events: Iterable[CaseEvent]) -> dict[str, str]:
    codes = {
        c for e in events if e.action == CaseAction.DISPATCH for c in e.data.get("departments", [])
    }
    return dict(Department.objects.filter(code__in=codes).values_list("code", "name"))


def _event_departments(event: CaseEvent, names: dict[str, str]) -> list[str]:
    if event.action == CaseAction.DISPATCH and event.data.get("departments"):
        return [names.get(code, code) for code in event.data["departments"]]
    if event.task_id is not None and event.task is not None:
        return [event.task.department.name]
    return []


def _event_text(event: CaseEvent, number: str, names: dict[str, str]) -> str:
    return public.text(
        action=event.action,
        reason=event.reason,
        departments=_event_departments(event, names),
        number=number,
    )


def _lead_tasks(cases: list[Case]) -> dict[int, Task]:
    rounds = {c.pk: c.dispatch_round for c in cases}
    lead: dict[int, Task] = {}
    tasks = Task.objects.filter(case_id__in=list(rounds)).select_related("department")
    for task in tasks.order_by("case_id", "-is_lead", "pk"):
        if task.round == rounds[task.case_id] and task.case_id not in lead:
            lead[task.case_id] = task
    return lead


def _photo_url(evidence: Evidence, absolute) -> str:
    return absolute(signed_url(evidence.file, seconds=MEDIA_LINK_SECONDS))


def _photos(case_ids: list[int]) -> dict[int, dict[str, Evidence]]:
    """The first published before-photo and the last after-photo of each case."""
    found: dict[int, dict[str, Evidence]] = defaultdict(dict)
    # receive_report stores a report's photos at the instant it receives the report.
    published = IntakeReport.objects.filter(
        case=OuterRef("case"), source=SourceChannel.OPEN311, received_at=OuterRef("taken_at")
    )
    rows = Evidence.objects.filter(
        Q(kind=EvidenceKind.AFTER) | Q(Exists(published), kind=EvidenceKind.BEFORE),
        case_id__in=case_ids,
    ).only("pk", "case_id", "kind", "file", "taken_at")
    for evidence in rows.order_by("case_id", "taken_at", "pk"):
        slot = found[evidence.case_id]
        if evidence.kind == EvidenceKind.AFTER or EvidenceKind.BEFORE not in slot:
            slot[evidence.kind] = evidence
    return found


def _submitted_media(case_ids: list[int]) -> dict[int, str]:
    rows = (
        Submission.objects.filter(report__case_id__in=case_ids)
        .exclude(media_url="")
        .order_by("created_at", "pk")
        .values_list("report__case_id", "media_url")
    )
    found: dict[int, str] = {}
    for case_id, url in rows:
        found.setdefault(case_id, url)
    return found


def request_documents(cases: list[Case], *, absolute) -> list[dict]:
    """GeoReport v2 ``request`` dicts in the spec's field order; ``absolute(path)`` -> URL."""
    ids = [c.pk for c in cases]
    events, last_at = _latest_public_events(ids)
    names = _department_names(events.values())
    leads = _lead_tasks(cases)
    photos = _photos(ids)
    submitted = _submitted_media(ids)
    sources = set(conf.public_sources())
    documents = []
    for case in cases:
        service = case.category.open311_service
        event = events.get(case.pk)
        lead = leads.get(case.pk)
        closed = public.status(case.status) == public.CLOSED
        # For a closed request the spec wants the close time; otherwise the last change.
        updated = case.closed_at if case.status == CaseStatus.CLOSED else None
        updated = updated or last_at.get(case.pk) or case.updated_at
        media = _media_url(case, closed, photos.get(case.pk, {}), submitted, absolute)
        documents.append(
            {
                "service_request_id": case.number,
                "status": public.status(case.status),
                "status_notes": _event_text(event, case.number, names) if event else None,
                "service_name": service.name,
                "service_code": service.service_code,
                # A private channel's text stays private even when a client reported into it.
                "description": case.description[:4000] if case.source in sources else None,
                "agency_responsible": lead.department.name if lead else None,
                "service_notice": None,
                "requested_datetime": w3c.format(case.reported_at),
                "updated_datetime": w3c.format(updated),
                "expected_datetime": w3c.format(lead.deadline_at) if lead and not closed else None,
                "address": case.address or None,
                "address_id": None,
                "zipcode": None,
                "lat": case.lat,
                "long": case.lon,
                "media_url": media,
            }
        )
    return documents


def _media_url(case, closed, photos, submitted, absolute) -> str | None:
    # Once closed the after-photo shows the result; before that the reporter's published photo.
    if closed and EvidenceKind.AFTER in photos:
        return _photo_url(photos[EvidenceKind.AFTER], absolute)
    if EvidenceKind.BEFORE in photos:
        return _photo_url(photos[EvidenceKind.BEFORE], absolute)
    return submitted.get(case.pk)


def update_documents(window: Window, *, absolute) -> list[dict]:
    """mySociety ``request_update`` dicts for public moves in ``window``, oldest first."""
    events = list(
        CaseEvent.objects.filter(
            at__gte=window.start,
            at__lt=window.end,
            action__in=list(public.UPDATE_STATUS),
            case__in=public_cases(),
        )
        .select_related("case", "task__department")
        .order_by("at", "pk")[: MAX_REQUESTS * 10]
    )
    names = _department_names(events)
    case_ids = sorted({e.case_id for e in events})
    merged = set(
        MergeRecord.objects.filter(kind=MergeKind.MERGE, case_id__in=case_ids).values_list(
            "case_id", flat=True
        )
    )
    after = _after_photos(events)
    documents = []
    for event in events:
        status = public.UPDATE_STATUS[event.action]
        if event.action == CaseAction.VOID and event.case_id in merged:
            status = public.MERGED_STATUS
        photo = after.get(event.pk)
        documents.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.case.number,
                "status": status,
                "updated_datetime": w3c.format(event.at),
                "description": _event_text(event, event.case.number, names),
                "media_url": _photo_url(photo, absolute) if photo else "",
            }
        )
    return documents


def _after_photos(events: list[CaseEvent]) -> dict[int, Evidence]:
    """The after-photo to show with a dispose (its own photo) or close (the last one) update."""
    wanted = [e for e in events if e.action in (CaseAction.DISPOSE, CaseAction.CLOSE)]
    if not wanted:
        return {}
    rows = Evidence.objects.filter(
        case_id__in={e.case_id for e in wanted}, kind=EvidenceKind.AFTER
    ).only("pk", "case_id", "file", "taken_at")
    by_case: dict[int, list[Evidence]] = defaultdict(list)
    by_pk: dict[int, Evidence] = {}
    for evidence in rows.order_by("taken_at", "pk"):
        by_case[evidence.case_id].append(evidence)
        by_pk[evidence.pk] = evidence
    found: dict[int, Evidence] = {}
    for event in wanted:
        own = [by_pk[pk] for pk in event.data.get("evidence", []) if pk in by_pk]
        before_event = [e for e in by_case[event.case_id] if e.taken_at <= event.at]
        chosen = own[:1] or before_event[-1:]
        if chosen:
            found[event.pk] = chosen[0]
    return found
