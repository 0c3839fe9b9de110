"""Intake records: one row per received report, video-AI cameras, and the merge/split audit.

``IntakeReport`` is what arrived, whatever the channel (受理记录): the raw payload, the point as
WGS-84, who reported it, and which case it now counts toward. A report either created its case
(``duplicate_of`` empty), was attached to an open case as a duplicate (``duplicate_of`` = that
case = ``case``), or was recorded without a case (video AI below its confidence threshold, an
event type no category is mapped to). Every reporter of a case is told when it closes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea, UnitGrid
from cases.models import Case
from cases.states import Priority, SourceChannel
from catalog.models import Category
from core.models import TimeStamped

EXTERNAL_ID_MAX = 100
DEFAULT_CONFIDENCE_THRESHOLD = 0.8


class Outcome(models.TextChoices):
    CREATED = "created", _("Created a case 新建案件")
    DUPLICATE = "duplicate", _("Attached as duplicate 重复上报")
    RECORDED = "recorded", _("Recorded without a case 仅记录")


class IntakeReport(TimeStamped):
    """One received report (受理记录), the link between a channel's message and a case."""

    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    # The id on the source channel (12345 ticket, Open311 token, video event id): a repeat of
    # (source, external_id) returns the first answer instead of a second case.
    external_id = models.CharField(_("external id"), max_length=EXTERNAL_ID_MAX, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_reports",
    )
    duplicate_of = models.ForeignKey(
        Case,
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicate_reports",
        help_text=_("Set when the report was attached to an existing case instead of opening one."),
    )
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category_suggested = models.BooleanField(_("category suggested from the text"), default=False)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    trusted = models.BooleanField(_("trusted source"), default=False)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True, db_index=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    grid = models.ForeignKey(
        UnitGrid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    reporter_email = models.EmailField(_("reporter email"), blank=True)
    # What the channel sent (original coordinates and crs, camera, confidence, ...), kept so a
    # disputed report can be traced to its message.
    payload = models.JSONField(_("payload"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="intake_report_source_external_id",
            ),
        ]
        indexes = [models.Index(fields=["source", "received_at"], name="intake_source_received")]
        verbose_name = _("intake report")
        verbose_name_plural = _("intake reports")

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id or self.pk} {self.outcome}"


class VideoCamera(TimeStamped):
    """A camera whose AI detections arrive on the signed webhook (视频智能识别点位)."""

    camera_id = models.CharField(_("camera id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lon = models.FloatField(
        _("longitude (WGS-84)"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    lat = models.FloatField(
        _("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    confidence_threshold = models.FloatField(
        _("confidence threshold"),
        default=DEFAULT_CONFIDENCE_THRESHOLD,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Detections below it are recorded but open no case."),
    )
    # The HMAC-SHA256 key the camera platform signs with; kept readable because verifying a
    # signature needs the key itself.
    secret = models.CharField(_("signing secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["camera_id"]
        verbose_name = _("video camera")
        verbose_name_plural = _("video cameras")

    def __str__(self) -> str:
        return f"{self.camera_id} {self.name}"


class CameraEventMapping(models.Model):
    """Which category a camera's event type opens a case in (rules are data, STYLE.md 4)."""

    camera = models.ForeignKey(
        VideoCamera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="mappings"
    )
    event_type = models.CharField(_("event type"), max_length=64)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    confidence_threshold = models.FloatField(
        _("confidence threshold"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Blank: the camera's threshold."),
    )

    class Meta:
        ordering = ["camera_id", "event_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "event_type"], name="intake_camera_event_type"
            ),
        ]
        verbose_name = _("camera event mapping")
        verbose_name_plural = _("camera event mappings")

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.category}"

    @property
    def threshold(self) -> float:
        if self.confidence_threshold is not None:
            return self.confidence_threshold
        return self.camera.confidence_threshold

    def clean(self) -> None:
        if not self.event_type.strip():
            raise ValidationError({"event_type": _("Name the event type the camera sends.")})


class MergeKind(models.TextChoices):
    MERGE = "merge", _("Merge 合并")
    SPLIT = "split", _("Split 拆分")


class MergeRecord(models.Model):
    """One manual merge or split of cases (audit; the cases' timelines carry notes too).

    merge: ``case`` was voided and its reports moved to ``other``;
    split: ``reports`` left ``case`` and opened ``other``.
    """

    kind = models.CharField(_("kind"), max_length=5, choices=MergeKind.choices)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    other = models.ForeignKey(
        Case, verbose_name=_("other case"), on_delete=models.PROTECT, related_name="+"
    )
    reports = models.JSONField(_("intake reports moved"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("merge record")
        verbose_name_plural = _("merge records")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} -> {self.other_id}"
