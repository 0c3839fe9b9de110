"""Reads of the citizen portal: the public view of a case, this phone's reports, the picker.

``public_case`` is everything a tracking page shows, built from plain values only: stages in
citizen wording (portal.stages), times, the citizen's own words, after-photos once the case is
resolved. No staff member, department, reason or internal note ever reaches it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from areas.geometry import round_coords
from areas.models import AdminArea, AreaLevel
from cases.media import signed_url
from cases.models import Case, CaseEvent, Evidence
from cases.states import CaseAction, CaseStatus, EvidenceKind
from catalog.models import Category
from catalog.selectors import suggest_categories
from core.errors import NotFound
from portal import stages
from portal.models import TOKEN_MAX, CitizenReport, Rating, Satisfaction
from portal.services import rating_deadline
from portal.stages import Stage

MY_REPORTS_MAX = 10
SUGGESTIONS_MAX = 4
SUGGESTION_POOL = 12  # suggestions asked for, before keeping those with citizen words
EXCERPT = 60
MAP_DECIMALS = 5  # ~1 m: plenty for an outline on a phone
MAP_CACHE_SECONDS = 600
# Photo links on the tracking page are signed (cases.media) and open for an hour: the page itself
# is never cached, so a reload hands out fresh ones; a stale link says to reload.
PHOTO_LINK_SECONDS = 3600


@dataclass(frozen=True)
class Step:
    at: datetime
    stage: str
    label: str
    mine: bool = False  # the citizen's own report joining a case already open


@dataclass(frozen=True)
class Photo:
    url: str
    thumbnail_url: str


@dataclass(frozen=True)
class ProgressItem:
    stage: str
    label: str
    state: str  # done | current | todo


@dataclass(frozen=True)
class PublicCase:
    """A case as its reporter sees it (tracking page)."""

    number: str
    stage: str
    stage_label: str
    explanation: str
    progress: list[ProgressItem]
    category_label: str
    description: str
    address: str
    sent_at: datetime
    duplicate: bool
    phone_hint: str
    steps: list[Step]
    after_photos: list[Photo] = field(default_factory=list)
    rating: Satisfaction | None = None
    rating_label: str = ""
    can_rate: bool = False
    rate_until: datetime | None = None


def report_by_token(token: str) -> CitizenReport:
    """The portal report holding ``token``, or NotFound (also for a case-less report)."""
    token = (token or "").strip()
    report = None
    if 0 < len(token) <= TOKEN_MAX:
        report = (
            CitizenReport.objects.select_related("intake_report__case__category")
            .filter(token=token)
            .first()
        )
    if report is None or report.intake_report.case_id is None:
        raise NotFound(_("No report has this tracking link. Check that it was copied whole."))
    return report


def category_label(category: Category | None) -> str:
    if category is None:
        return _("Being classified by the city centre")
    return category.plain_name or category.name


def _steps(case: Case, report: CitizenReport) -> list[Step]:
    """Forward moves only: a return (回退) or rework (返工) does not step the citizen back."""
    steps: list[Step] = []
    rank = -1
    events = CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("at", "to_status")
    for at, status in events:
        stage = stages.stage_of(status)
        if stage == Stage.NOT_TAKEN or stages.RANK[stage] > rank:
            steps.append(Step(at=at, stage=stage, label=str(Stage(stage).label)))
            rank = stages.RANK.get(stage, rank)
    intake = report.intake_report
    if intake.duplicate_of_id is not None:
        steps.append(
            Step(
                at=intake.received_at,
                stage=Stage.RECEIVED,
                label=_("Your report was added to this case"),
                mine=True,
            )
        )
        steps.sort(key=lambda s: s.at)
    return steps


def _explanation(case: Case, stage: str) -> str:
    """What the stage means; for a report refused (不予受理) the reason, which the reporter is
    owed and was told by SMS. A void (作废: a duplicate, a test) keeps its reason internal."""
    text = str(stages.EXPLANATION[stage])
    if stage != Stage.NOT_TAKEN:
        return text
    reason = (
        CaseEvent.objects.filter(case=case, action=CaseAction.REFUSE)
        .order_by("-at", "-pk")
        .values_list("reason", flat=True)
        .first()
    )
    if reason:
        return _("It was not taken up as a case: %(reason)s") % {"reason": reason}
    return text


def _progress(stage: str) -> list[ProgressItem]:
    current = stages.RANK.get(stage, -1)
    items = []
    for item in stages.PROGRESS:
        rank = stages.RANK[item]
        state = "done" if rank < current else "current" if rank == current else "todo"
        items.append(ProgressItem(stage=item, label=str(Stage(item).label), state=state))
    return items


def _after_photos(case: Case) -> list[Photo]:
    """The after-photos (处置后) of the last round, shown once the case is resolved."""
    if case.status != CaseStatus.CLOSED:
        return []
    qs = Evidence.objects.filter(case=case, kind=EvidenceKind.AFTER)
    last_round = qs.filter(task__round=case.dispatch_round)
    rows = list(last_round) or list(qs)
    return [
        Photo(
            url=signed_url(e.file, seconds=PHOTO_LINK_SECONDS),
            thumbnail_url=signed_url(e.thumbnail, seconds=PHOTO_LINK_SECONDS),
        )
        for e in rows
    ]


def _phone_hint(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ""


def public_case(report: CitizenReport, *, now: datetime) -> PublicCase:
    case = report.intake_report.case
    stage = stages.stage_of(case.status)
    rating = Satisfaction.objects.filter(case=case).first()
    deadline = rating_deadline(case)
    return PublicCase(
        number=case.number,
        stage=stage,
        stage_label=str(Stage(stage).label),
        explanation=_explanation(case, stage),
        progress=_progress(stage),
        category_label=category_label(case.category),
        description=report.intake_report.description,
        address=report.intake_report.address,
        sent_at=report.created_at,
        duplicate=report.intake_report.duplicate_of_id is not None,
        phone_hint=_phone_hint(report.phone),
        steps=_steps(case, report),
        after_photos=_after_photos(case),
        rating=rating,
        rating_label=str(Rating(rating.rating).label) if rating else "",
        can_rate=rating is None and deadline is not None and now <= deadline,
        rate_until=deadline if rating is None else None,
    )


@dataclass(frozen=True)
class MyReport:
    token: str
    number: str
    stage: str
    stage_label: str
    sent_at: datetime
    excerpt: str


def device_reports(device: str, *, limit: int = MY_REPORTS_MAX) -> list[MyReport]:
    """The latest reports sent from this phone (its device cookie), newest first."""
    if not device:
        return []
    rows = (
        CitizenReport.objects.filter(device=device, intake_report__case__isnull=False)
        .select_related("intake_report__case")
        .order_by("-created_at", "-pk")[:limit]
    )
    found = []
    for row in rows:
        case = row.intake_report.case
        stage = stages.stage_of(case.status)
        text = row.intake_report.description
        found.append(
            MyReport(
                token=row.token,
                number=case.number,
                stage=stage,
                stage_label=str(Stage(stage).label),
                sent_at=row.created_at,
                excerpt=text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
            )
        )
    return found


def picker_groups() -> list[tuple[str, list[tuple[int, str]]]]:
    """The category picker: categories with citizen words, grouped by their major class."""
    groups: dict[str, list[tuple[int, str]]] = {}
    rows = (
        Category.objects.filter(is_active=True)
        .exclude(plain_name="")
        .order_by("kind", "code")
        .values_list("pk", "plain_name", "major_name")
    )
    for pk, plain, major in rows:
        groups.setdefault(major, []).append((pk, plain))
    return list(groups.items())


def suggestions(text: str, *, limit: int = SUGGESTIONS_MAX) -> list[tuple[int, str]]:
    """(pk, plain words) of the likeliest categories for a description, best first."""
    found = suggest_categories(text, limit=SUGGESTION_POOL)
    return [(s.category.pk, s.category.plain_name) for s in found if s.category.plain_name][:limit]


def public_areas_geojson() -> dict:
    """District outlines (the area the service covers) for the report map; no codes or ids.

    Cached per process; the key changes whenever an outline does.
    """
    qs = AdminArea.objects.filter(level=AreaLevel.DISTRICT, boundary__isnull=False)
    if not qs.exists():
        qs = AdminArea.objects.filter(level=AreaLevel.CITY, boundary__isnull=False)
    stamp = qs.aggregate(n=Count("pk"), last=Max("updated_at"))
    key = "portal:areas:" + hashlib.sha1(repr(sorted(stamp.items())).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": round_coords(boundary, MAP_DECIMALS),
                    "properties": {"name": name},
                }
                for name, boundary in qs.order_by("code").values_list("name", "boundary")
            ],
        }
        cache.set(key, found, MAP_CACHE_SECONDS)
    return found
