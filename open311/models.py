"""Open311 GeoReport v2: the services we expose, their extra fields, api keys and submissions.

``Service`` maps one Open311 ``service_code`` to one catalogue Category (部件/事项), with the
citizen-facing name, description, group and keywords. ``ServiceAttribute`` rows are the
service definition (extra form fields, GeoReport v2 "GET Service Definition"). ``Client`` is an
api key (only its SHA-256 digest is stored). ``Submission`` is one accepted POST: its token
(for ``tokens/{token}``), the client, the intake report it became, and what became of the photo
behind its ``media_url`` (open311.media fetches it in the background).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Evidence
from catalog.models import Category
from core.models import TimeStamped
from intake.models import IntakeReport

SERVICE_CODE_MAX = 20
TOKEN_MAX = 40
MEDIA_URL_MAX = 500
# Default POSTs per key and hour: generous for an app, a brake for a runaway script.
DEFAULT_RATE_PER_HOUR = 600


class ServiceType(models.TextChoices):
    """GeoReport v2 ``type``: what a POST returns (we process at once either way)."""

    REALTIME = "realtime", _("realtime: the request id at once")
    BATCH = "batch", _("batch: a token, resolved by tokens/{token}")


class Service(TimeStamped):
    """One Open311 service (服务类型), backed by one catalogue category."""

    service_code = models.CharField(_("service code"), max_length=SERVICE_CODE_MAX, unique=True)
    category = models.OneToOneField(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="open311_service",
    )
    name = models.CharField(_("service name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Comma-separated.")
    )
    type = models.CharField(
        _("type"), max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    # An inactive service is no longer offered (services list, POST) but its past requests keep
    # their service_code in GET requests.
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "service_code"]
        verbose_name = _("Open311 service")
        verbose_name_plural = _("Open311 services")

    def __str__(self) -> str:
        return f"{self.service_code} {self.name}"


class Datatype(models.TextChoices):
    STRING = "string", _("string (one line)")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("text (several lines)")
    SINGLEVALUELIST = "singlevaluelist", _("one value from a list")
    MULTIVALUELIST = "multivaluelist", _("several values from a list")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})


class ServiceAttribute(TimeStamped):
    """One field of a service definition (``attributes/attribute``)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.CharField(_("code"), max_length=50)
    variable = models.BooleanField(
        _("variable"),
        default=True,
        help_text=_("True: the user answers it. False: information shown to the user only."),
    )
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("description"), max_length=500)
    # [{"key": "...", "name": "..."}] for the list datatypes.
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        ordering = ["service_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="open311_attribute_code"),
            models.UniqueConstraint(fields=["service", "order"], name="open311_attribute_order"),
        ]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")

    def __str__(self) -> str:
        return f"{self.service_id}:{self.code}"

    def clean(self) -> None:
        if self.order < 1:
            raise ValidationError({"order": _("The order starts at 1 (shown first).")})
        if not isinstance(self.values, list) or any(
            not isinstance(v, dict) or not str(v.get("key", "")) or not str(v.get("name", ""))
            for v in self.values
        ):
            raise ValidationError(
                {"values": _('Values are a list of {"key": ..., "name": ...} objects.')}
            )
        keys = [str(v["key"]) for v in self.values]
        if len(set(keys)) != len(keys):
            raise ValidationError({"values": _("Each value key may appear once.")})
        if self.datatype in LIST_DATATYPES and not self.values:
            raise ValidationError({"values": _("A list datatype needs its values.")})
        if self.datatype not in LIST_DATATYPES and self.values:
            raise ValidationError({"values": _("Only list datatypes take values.")})

    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values]


class Client(TimeStamped):
    """An Open311 api key (a third-party app or integration). Only the digest is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    rate_per_hour = models.PositiveIntegerField(
        _("POSTs per hour"),
        default=DEFAULT_RATE_PER_HOUR,
        help_text=_("Service requests this key may create per hour; 0 = no limit."),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 api key")
        verbose_name_plural = _("Open311 api keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class MediaStatus(models.TextChoices):
    """What became of the photo behind a submission's ``media_url`` (照片取回状态)."""

    NONE = "", _("no media_url")
    PENDING = "pending", _("to be fetched")
    STORED = "stored", _("fetched and attached")
    REFUSED = "refused", _("refused")  # not an image, too large, private address...: not retried
    FAILED = "failed", _("fetch failed")  # network trouble that outlasted the retries


MEDIA_REASON_MAX = 500


class Submission(models.Model):
    """One accepted POST requests: the token answers ``tokens/{token}`` (batch services)."""

    token = models.CharField(_("token"), max_length=TOKEN_MAX, unique=True)
    client = models.ForeignKey(
        Client, verbose_name=_("api key"), on_delete=models.PROTECT, related_name="submissions"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="submissions"
    )
    # The case is read through the report: a later merge or split moves the report, and the
    # token then answers with the case it counts toward now.
    report = models.OneToOneField(
        IntakeReport,
        verbose_name=_("intake report"),
        on_delete=models.PROTECT,
        related_name="open311_submission",
    )
    media_url = models.URLField(_("media URL"), max_length=MEDIA_URL_MAX, blank=True)
    # The link is kept whatever happens; these say whether its photo became case evidence.
    media_status = models.CharField(
        _("media status"), max_length=8, choices=MediaStatus.choices, blank=True, default=""
    )
    media_reason = models.CharField(_("media problem"), max_length=MEDIA_REASON_MAX, blank=True)
    media_attempts = models.PositiveSmallIntegerField(_("media fetch attempts"), default=0)
    media_checked_at = models.DateTimeField(_("media last tried"), null=True, blank=True)
    media_evidence = models.ForeignKey(
        Evidence,
        verbose_name=_("media photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(fields=["client", "created_at"], name="open311_sub_client_at"),
            # The sweeper (open311.media.fetch_missing) looks for the few left pending.
            models.Index(
                fields=["created_at"],
                condition=models.Q(media_status="pending"),
                name="open311_sub_media_pending",
            ),
        ]
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token
