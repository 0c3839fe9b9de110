"""Citizen portal records: who sent a portal report, its tracking token, and the 回访 ratings.

``CitizenReport`` links a portal report (an ``intake.IntakeReport``) to the unguessable token in
its tracking link, and keeps what the rate limits count (device cookie, hashed IP address,
phone). A report from another channel (a 12345 call) gets one too, without device or address,
when its reporter is first sent or looks up their link (portal.tracking); so does the reporter
of a case staff reported directly (直接上报), whose intake report is made then. The case is
always read through the intake report, so a merge or split (which moves intake reports between
cases) carries the citizen's tracking link along.

``Satisfaction`` is one rating per closed case (回访, 满意度评价): clean rows for evaluation,
with the category and the departments of the last dispatch round copied at rating time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from catalog.models import Category
from intake.models import IntakeReport
from org.models import Department

TOKEN_MAX = 64
DEVICE_MAX = 64
IP_HASH_MAX = 64
PHONE_MAX = 20
COMMENT_MAX = 1000


class CitizenReport(models.Model):
    """One report's tracking token: sent through the portal (市民随手拍), or issued later for a
    report from another channel (portal.tracking)."""

    intake_report = models.OneToOneField(
        IntakeReport,
        verbose_name=_("intake report"),
        on_delete=models.PROTECT,
        related_name="citizen_report",
    )
    # The only key to the tracking page: citizens have no account.
    token = models.CharField(_("tracking token"), max_length=TOKEN_MAX, unique=True)
    # A random id in a signed cookie: rate limit and "my reports" on this phone.
    device = models.CharField(_("device id"), max_length=DEVICE_MAX, blank=True)
    # HMAC of the address (never the address itself): enough to count, nothing to leak.
    ip_hash = models.CharField(_("IP address hash"), max_length=IP_HASH_MAX, blank=True)
    phone = models.CharField(_("phone (normalised)"), max_length=PHONE_MAX, blank=True)
    created_at = models.DateTimeField(_("sent at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["device", "created_at"], name="portal_report_device"),
            models.Index(fields=["ip_hash", "created_at"], name="portal_report_ip"),
            models.Index(fields=["phone", "created_at"], name="portal_report_phone"),
        ]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")

    def __str__(self) -> str:
        return f"{self.intake_report_id} {self.created_at:%Y-%m-%d %H:%M}"


class Rating(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied 非常满意")
    SATISFIED = 4, _("Satisfied 满意")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied 基本满意")
    DISSATISFIED = 2, _("Dissatisfied 不满意")
    VERY_DISSATISFIED = 1, _("Very dissatisfied 非常不满意")


class SatisfactionChannel(models.TextChoices):
    PORTAL = "portal", _("Citizen portal 市民网页")
    PHONE = "phone", _("Phone call-back 电话回访")
    SMS = "sms", _("SMS reply 短信回访")


class Satisfaction(models.Model):
    """The reporter's rating of a closed case (回访): one per case, the input of evaluation."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="satisfaction"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=SatisfactionChannel.choices)
    # The portal report whose tracking token the rating came with (the reporter's proof).
    report = models.ForeignKey(
        CitizenReport,
        verbose_name=_("citizen report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Copied when rated so evaluation groups rows without walking the case history.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments of the last round"),
        blank=True,
        related_name="+",
    )
    area_path = models.CharField(_("area path"), max_length=80, db_index=True)
    closed_at = models.DateTimeField(_("case closed at"))
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="portal_satisfaction_rating_1_5"
            ),
        ]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.rating}"
