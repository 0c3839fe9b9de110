"""Writes of the citizen portal: a report (随手拍) and a rating after closing (回访).

``portal_report`` checks the rate limits and the phone number, hands the report to
``intake.services.receive_report`` (source ``citizen``: the desk verifies it, 核实), and gives
the citizen a tracking token. ``satisfaction_submit`` takes one rating per closed case from the
holder of a tracking token, within PORTAL_RATING_DAYS of closing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Task
from cases.states import CaseStatus, SourceChannel, TaskStatus
from catalog.models import Category
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from intake import services as intake_services
from intake.models import IntakeReport
from portal.models import COMMENT_MAX, CitizenReport, Rating, Satisfaction, SatisfactionChannel

RATE_WINDOW = timedelta(hours=1)
TOKEN_BYTES = 24  # 192 bits: the tracking link is the only key to the page
# Mainland mobile numbers (the SMS notices go to them): 11 digits from 1[3-9], optionally +86.
MOBILE_RE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
SUBMISSION_RE = re.compile(r"[0-9a-f]{32}")
EXTERNAL_ID_PREFIX = "portal:"


class RateLimited(DomainError):
    """Too many reports from one device, phone number or network in the last hour."""

    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class Receipt:
    """What the citizen gets back (回执): the case the report counts toward and the token.

    ``created``: a new case; ``duplicate``: added to an open case of the same problem;
    ``repeat``: the same form arrived twice, this is the first answer.
    """

    report: CitizenReport
    case: Case
    created: bool
    duplicate: bool
    repeat: bool = False


# --- helpers ---------------------------------------------------------------------------------


def normalize_phone(phone: str) -> str:
    """An 11-digit mobile number, or "" when none was given; ValidationFailed otherwise."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    match = MOBILE_RE.fullmatch(PHONE_SEPARATORS.sub("", raw))
    if match is None:
        raise ValidationFailed(
            _(
                "%(phone)s is not a mobile phone number. Leave an 11-digit mobile number to "
                "get text messages about your report, or leave the field empty."
            )
            % {"phone": raw[:30]},
            code="bad_phone",
            details={"field": "phone"},
        )
    return match.group(1)


def ip_hash(ip: str) -> str:
    """A keyed hash of an IP address: counts requests without storing the address."""
    if not ip:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"portal-ip:" + ip.encode(), hashlib.sha256).hexdigest()[:32]


def _external_id(submission: str) -> str:
    # The form carries a random id so a double tap on a slow network opens one case, not two.
    value = (submission or "").strip().lower()
    return EXTERNAL_ID_PREFIX + value if SUBMISSION_RE.fullmatch(value) else ""


def _repeat_of(external_id: str) -> Receipt | None:
    if not external_id:
        return None
    first = (
        IntakeReport.objects.select_related("case")
        .filter(source=SourceChannel.CITIZEN, external_id=external_id)
        .first()
    )
    if first is None:
        return None
    return _receipt_of_repeat(first)


def _receipt_of_repeat(intake_report: IntakeReport) -> Receipt:
    report = CitizenReport.objects.filter(intake_report=intake_report).first()
    if report is None:  # pragma: no cover - every portal intake report has its row
        raise Conflict(_("This report is still being saved; open your tracking link again."))
    return Receipt(
        report=report,
        case=intake_report.case,
        created=False,
        duplicate=intake_report.duplicate_of_id is not None,
        repeat=True,
    )


def check_rate(*, device: str, ip_digest: str, phone: str, now: datetime) -> None:
    """Refuse (429) when the device, phone or network sent too many reports in the last hour.

    Counted from stored reports, so the limit holds across web processes. Two reports racing
    at the limit may both pass; a limit that is one report soft is fine here.
    """
    since = now - RATE_WINDOW
    recent = CitizenReport.objects.filter(created_at__gt=since)
    per_hour = settings.PORTAL_REPORTS_PER_HOUR
    checks = (
        ("device", device, per_hour, _("from this phone")),
        ("phone", phone, per_hour, _("for this phone number")),
        ("ip_hash", ip_digest, settings.PORTAL_REPORTS_PER_HOUR_PER_IP, _("from this network")),
    )
    for field, value, limit, where in checks:
        if not value:
            continue
        rows = recent.filter(**{field: value}).order_by("created_at")
        if rows.count() >= limit:
            oldest = rows.values_list("created_at", flat=True).first()
            wait = max(60, int((oldest + RATE_WINDOW - now).total_seconds()))
            raise RateLimited(
                _(
                    "%(n)d reports were sent %(where)s in the last hour, which is the limit. "
                    "Please try again in about %(minutes)d minutes; for an emergency call 110 "
                    "or the 12345 hotline."
                )
                % {"n": limit, "where": where, "minutes": (wait + 59) // 60},
                details={"limit": field, "retry_after": wait},
            )


def _citizen_error(exc: ValidationFailed) -> ValidationFailed:
    """Intake's messages speak to operators; say the location problems in a citizen's words."""
    if exc.code == "outside_grids":
        return ValidationFailed(
            _(
                "The place you marked is outside the area this service covers. Move the pin "
                "onto the city (the outlined area on the map) and send again."
            ),
            code=exc.code,
            details=exc.details,
        )
    if exc.code == "no_location":
        return ValidationFailed(
            _(
                "Say where the problem is: allow the phone's location, tap the map, or type "
                "an address or landmark."
            ),
            code=exc.code,
            details=exc.details,
        )
    return exc


# --- report ----------------------------------------------------------------------------------


@transaction.atomic
def portal_report(
    *,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    category: Category | None = None,
    photos: Iterable = (),
    reporter_phone: str = "",
    device: str = "",
    ip: str = "",
    submission: str = "",
    component: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Take a citizen's report (随手拍) to a case and issue its tracking token.

    ``lon``/``lat`` are WGS-84 (a browser's geolocation, or a pin on the offline map); a
    report without them needs an ``address`` and goes to the city centre to be placed.
    ``category=None`` ("not sure") lets intake suggest one from the words and the desk decide.
    ``device`` (cookie id), ``ip`` and the phone are counted by the hourly rate limits.
    """
    now = now or timezone.now()
    phone = normalize_phone(reporter_phone)
    external_id = _external_id(submission)
    repeat = _repeat_of(external_id)
    if repeat is not None:
        return repeat
    digest = ip_hash(ip)
    check_rate(device=device, ip_digest=digest, phone=phone, now=now)
    photos = list(photos)
    if settings.PORTAL_REQUIRE_PHOTO and not photos:
        raise ValidationFailed(
            _("Add a photo of the problem: take one with the camera or choose one."),
            code="photo_required",
            details={"field": "photos"},
        )
    if category is not None and not (isinstance(category, Category) and category.is_active):
        raise ValidationFailed(
            _("Choose a problem type from the list, or 'Not sure'."),
            details={"field": "category"},
        )
    report = partial(
        intake_services.receive_report,
        source=SourceChannel.CITIZEN,
        description=description,
        lon=lon,
        lat=lat,
        crs="wgs84",  # browsers' geolocation and the offline map are WGS-84
        address=address,
        category=category,
        reporter_phone=phone,
        photos=photos,
        external_id=external_id,
        actor=None,
        now=now,
    )
    try:
        try:
            result = report(component=component or None, data={"channel": "portal"})
        except ValidationFailed as exc:
            if not component or exc.details.get("field") != "component":
                raise
            # The label's component does not fit what the citizen said (another type, a pin
            # moved far): the report goes on without it, and the desk is told why.
            result = report(
                data={"channel": "portal", "component_dropped": {"code": component,
                                                                 "why": exc.message}},
            )  # fmt: skip
    except ValidationFailed as exc:
        raise _citizen_error(exc) from exc
    if result.repeat:  # the same form won a race against itself
        return _receipt_of_repeat(result.report)
    report = CitizenReport.objects.create(
        intake_report=result.report,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        device=(device or "")[:64],
        ip_hash=digest,
        phone=phone,
        created_at=now,
    )
    return Receipt(
        report=report,
        case=result.case,
        created=result.created,
        duplicate=result.duplicate_of is not None,
    )


# --- satisfaction (回访) ---------------------------------------------------------------------


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Rating.values:
        raise ValidationFailed(
            _("Choose how satisfied you are, from 1 (very dissatisfied) to 5 (very satisfied)."),
            code="bad_rating",
            details={"field": "rating"},
        )
    return rating


def _comment(value: str) -> str:
    text = (value or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("The comment is %(n)d characters long; at most %(max)d fit.")
            % {"n": len(text), "max": COMMENT_MAX},
            details={"field": "comment"},
        )
    return text


def rating_deadline(case: Case) -> datetime | None:
    """Until when ``case`` may be rated (None while it is not closed)."""
    if case.status != CaseStatus.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=settings.PORTAL_RATING_DAYS)


def _check_rateable(case: Case, now: datetime) -> None:
    # Refusals by the case's state (409 Conflict): the rating itself may be fine.
    if case.status == CaseStatus.VOIDED:
        raise Conflict(
            _("Case %(number)s was not taken up, so there is no work to rate.")
            % {"number": case.number},
            code="not_rateable",
        )
    if case.status != CaseStatus.CLOSED:
        raise Conflict(
            _("Case %(number)s is not finished yet: you can rate it once it is resolved.")
            % {"number": case.number},
            code="not_closed",
        )
    deadline = rating_deadline(case)
    if deadline is not None and now > deadline:
        raise Conflict(
            _(
                "Ratings are taken for %(days)d days after a case is resolved; case %(number)s "
                "was resolved on %(date)s."
            )
            % {
                "days": settings.PORTAL_RATING_DAYS,
                "number": case.number,
                "date": timezone.localtime(case.closed_at).date().isoformat(),
            },
            code="rating_closed",
        )


def _already_rated(case: Case) -> Conflict:
    return Conflict(
        _("Case %(number)s has already been rated. Thank you!") % {"number": case.number},
        code="already_rated",
    )


@transaction.atomic
def satisfaction_submit(
    *, token: str, rating: int, comment: str = "", now: datetime | None = None
) -> Satisfaction:
    """Record the reporter's rating of their closed case (回访), once per case.

    The tracking ``token`` proves the rater sent a report on the case. The category and the
    departments of the last dispatch round are copied for evaluation.
    """
    now = now or timezone.now()
    report = CitizenReport.objects.select_related("intake_report").filter(token=token or "").first()
    if report is None or report.intake_report.case_id is None:
        raise NotFound(_("No report has this tracking link. Check that it was copied whole."))
    # Locked: two raters of one case (a duplicate reporter too) are served one at a time.
    case = Case.objects.select_for_update().get(pk=report.intake_report.case_id)
    _check_rateable(case, now)
    rating = _rating(rating)
    comment = _comment(comment)
    if Satisfaction.objects.filter(case=case).exists():
        raise _already_rated(case)
    tasks = list(
        Task.objects.filter(case=case, round=case.dispatch_round)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("department_id", "is_lead")
    )
    lead = next((dept for dept, is_lead in tasks if is_lead), None)
    try:
        with transaction.atomic():
            row = Satisfaction.objects.create(
                case=case,
                rating=rating,
                comment=comment,
                channel=SatisfactionChannel.PORTAL,
                report=report,
                category_id=case.category_id,
                lead_department_id=lead,
                area_path=case.area_path,
                closed_at=case.closed_at,
                submitted_at=now,
            )
    except IntegrityError as exc:  # the unique case constraint, on a database without the lock
        raise _already_rated(case) from exc
    row.departments.set(sorted({dept for dept, _lead in tasks}))
    return row
