"""Tracking links for a reporter of any channel: looked up by case number + phone, sent by SMS.

A tracking link (``/citizen/t/<token>/``) opens one report's case and nothing else. Portal reports
get theirs when sent (portal.services); a report that came another way (a 12345 hotline call, an
Open311 app) gets one here the first time it is needed, as a ``CitizenReport`` row on its intake
report. A case reported directly by staff (直接上报: the inspector's phone, the cases API) has its
intake report like any other (one door), so that reporter gets a link too. So every reporter who left a phone number can follow their
case: the SMS telling them it was filed (立案) or closed (结案) carries the link, and
``find_report`` hands it to whoever gives the case number with the full phone number the report
was made with.

Phone numbers are compared by ``phone_key``: separators and the +86 prefix do not matter, but
the whole number does (never the last four digits). Failed look-ups are limited per IP address
and per case number (core.throttle) so a number cannot be guessed.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import NUMBER_MAX_LENGTH, Case
from core import throttle
from core.errors import NotFound, ValidationFailed
from intake.models import IntakeReport
from portal.models import PHONE_MAX, CitizenReport
from portal.services import MOBILE_RE, PHONE_SEPARATORS, TOKEN_BYTES, RateLimited, ip_hash

# Landlines with area code are 10-12 digits (0574 8765 4321); 7-8 digit local numbers are kept
# as given. Anything shorter is a fragment (the last four digits), never enough to open a case.
OTHER_PHONE_RE = re.compile(r"(\+86|0086)?(\d{7,12})")
LOOKUP_BY_IP = throttle.Limit("lookup-ip", attempts=5, window=timedelta(minutes=15))
LOOKUP_BY_NUMBER = throttle.Limit("lookup-number", attempts=5, window=timedelta(minutes=15))
NUMBER_SPACES = re.compile(r"\s+")


def phone_key(phone: str) -> str:
    """The digits a phone number is compared by, "" when ``phone`` is not a whole number.

    ``+86 138-1234-5678``, ``0086 13812345678`` and ``138 1234 5678`` are all ``13812345678``; a
    landline written internationally (``+86 574 8765 4321``) gets its trunk 0 back.
    """
    raw = PHONE_SEPARATORS.sub("", (phone or "").strip())
    mobile = MOBILE_RE.fullmatch(raw)
    if mobile is not None:
        return mobile.group(1)
    other = OTHER_PHONE_RE.fullmatch(raw)
    if other is None:
        return ""
    prefix, digits = other.groups()
    return "0" + digits if prefix and not digits.startswith("0") else digits


def _issue(intake_report: IntakeReport, key: str) -> CitizenReport:
    try:
        with transaction.atomic():
            return CitizenReport.objects.create(
                intake_report=intake_report,
                token=secrets.token_urlsafe(TOKEN_BYTES),
                phone=key[:PHONE_MAX],
                # When the report was made, as the tracking page shows it ("sent").
                created_at=intake_report.received_at,
            )
    except IntegrityError:  # issued meanwhile by a concurrent SMS or look-up
        return CitizenReport.objects.get(intake_report=intake_report)


def report_for(*, case: Case, phone: str) -> CitizenReport | None:
    """The tracking record of the report made with ``phone`` on ``case``, issued on first use.

    None when no report on the case was made with that number (every case has the report that
    opened it, staff's direct reports included, so the phone typed on a case is there). Of several, an existing link is reused before the oldest report gets a
    new one.
    """
    key = phone_key(phone)
    if not key:
        return None
    reports = IntakeReport.objects.filter(case=case).exclude(reporter_phone="")
    matches = [
        r for r in reports.order_by("received_at", "pk") if phone_key(r.reporter_phone) == key
    ]
    if not matches:
        return None
    existing = {
        row.intake_report_id: row for row in CitizenReport.objects.filter(intake_report__in=matches)
    }
    for report in matches:
        if report.pk in existing:
            return existing[report.pk]
    return _issue(matches[0], key)


def absolute_url(report: CitizenReport) -> str:
    """The tracking link under PUBLIC_BASE_URL, in the platform language (the SMS language)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("portal:track", args=[report.token])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def tracking_url(*, case: Case, phone: str) -> str:
    """The absolute tracking link for the reporter of ``case`` with ``phone``, or ""."""
    report = report_for(case=case, phone=phone)
    return absolute_url(report) if report is not None else ""


def _limited(limit: throttle.Limit, wait: int) -> RateLimited:
    return RateLimited(
        _(
            "Too many tries did not match a case. Please try again in about %(minutes)d "
            "minutes, or call the 12345 hotline."
        )
        % {"minutes": (wait + 59) // 60},
        details={"limit": limit.name, "retry_after": wait},
    )


def find_report(*, number: str, phone: str, ip: str, now: datetime | None = None) -> CitizenReport:
    """The tracking record for case ``number`` reported with ``phone`` (the citizen's look-up).

    No match, an unknown number and a case with no report from that phone all raise the same
    NotFound, so the answer never tells whether a number exists. Every failure uses one of the
    five tries per 15 minutes of the IP address and of the case number (RateLimited, 429, once
    they are spent); a match gives its tries back.
    """
    now = now or timezone.now()
    key = phone_key(phone)
    if not key:
        raise ValidationFailed(
            _(
                "Enter the whole phone number the report was made with, for example "
                "138 1234 5678 (the last digits alone are not enough)."
            ),
            code="bad_phone",
            details={"field": "phone"},
        )
    # Numbers are read out over the phone and copied from texts: spaces and case do not count
    # (numbers are upper case unless CASE_NUMBER_PREFIX is not; both spellings are looked up).
    typed = NUMBER_SPACES.sub("", number or "")
    number = typed.upper()
    if not number or len(number) > NUMBER_MAX_LENGTH:
        raise ValidationFailed(
            _("Enter the case number from your text message or receipt."),
            code="bad_number",
            details={"field": "number"},
        )
    scopes = ((LOOKUP_BY_IP, ip_hash(ip) or "-"), (LOOKUP_BY_NUMBER, number))
    try:
        slots = throttle.claim_all(scopes, now=now)
    except throttle.Exhausted as full:
        raise _limited(full.limit, full.retry_after) from None
    case = Case.objects.filter(number__in={typed, number}).first()
    report = report_for(case=case, phone=key) if case is not None else None
    if report is None:
        raise NotFound(
            _("No case has this number and phone number. Check both and try again."),
            code="no_match",
        )
    throttle.release(*slots)
    return report
