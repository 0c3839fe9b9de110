"""Case, Task, CaseEvent, Evidence and the daily case-number sequence.

Only ``cases.services`` writes ``status``, ``version`` and the task clock fields; everything
else reads through ``cases.selectors``. CaseEvent rows are append-only (the model refuses updates
and deletes), they are the audit log, the on-screen timeline and the input of evaluation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea, UnitGrid
from cases.states import (
    OPEN_CASE_STATUSES,
    CaseAction,
    CaseStatus,
    EvidenceKind,
    Priority,
    SourceChannel,
    TaskStatus,
    VerifyFinding,
)
from catalog.models import Category, FilingStandard
from core.models import TimeStamped, TimeUnit
from org.models import Department

NUMBER_MAX_LENGTH = 32


class Case(TimeStamped):
    """A city problem from report to close (案件)."""

    number = models.CharField(_("case number"), max_length=NUMBER_MAX_LENGTH, unique=True)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    # The external id on the source channel (12345 ticket, Open311 service_request_id, device id).
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    trusted = models.BooleanField(
        _("trusted source"),
        default=False,
        help_text=_("Trusted reports skip on-site verification."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.REPORTED
    )
    # Bumped by every move; the compare-and-swap key that makes concurrent moves lose cleanly.
    version = models.PositiveIntegerField(_("version"), default=1)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # cases_case_category_path serves it
    )
    standard = models.ForeignKey(
        FilingStandard,
        verbose_name=_("filing standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    description = models.TextField(_("description"), blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True, db_index=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True, db_index=True)
    grid = models.ForeignKey(
        UnitGrid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("Set when the case has no grid (e.g. a hotline call without a location)."),
    )
    # Denormalised from the grid (or area) so scope() narrows cases on one indexed column.
    area_path = models.CharField(_("area path"), max_length=80, db_index=True)
    area_class = models.CharField(_("area class"), max_length=1, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    reporter_email = models.EmailField(_("reporter email"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # The inspector's last finding (核实结果); blank while nobody has been on site.
    verify_finding = models.CharField(
        _("verification finding"), max_length=12, choices=VerifyFinding.choices, blank=True
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    check_passed_at = models.DateTimeField(_("check passed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Each dispatch opens a new round; "the tasks" of a case are those of the current round.
    dispatch_round = models.PositiveSmallIntegerField(_("dispatch round"), default=0)
    returned_count = models.PositiveSmallIntegerField(_("returns 回退"), default=0)
    # Set by a return (回退): routing should send the case to the fallback owner (兜底).
    needs_fallback = models.BooleanField(_("needs fallback owner"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("reworks 返工"), default=0)
    # The registered component (部件) the case is about, when the reporter picked one: routing
    # goes to its owner first (部件先属主) and its state follows the case (components.receivers).
    component = models.ForeignKey(
        "components.Component",
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["status", "area_path"], name="cases_case_status_path"),
            # A category's cases in a scope counted from the index alone (a list's capped
            # count at 2.6 M cases: 190 -> ~20 ms; the plain FK index read every row).
            models.Index(fields=["category", "area_path"], name="cases_case_category_path"),
            # Reported-at ranges (lists, trends) and, on PostgreSQL, the map's heat of a month
            # read from the index alone (index-only scan: bench/map.py, 4x faster at 2.6 M).
            models.Index(
                fields=["reported_at"],
                include=["lon", "lat", "area_path", "category"],
                name="cases_case_reported_cover",
            ),
            # The map's open cases in a viewport: a small index of the open ones only.
            models.Index(
                fields=["lon", "lat"],
                include=["area_path"],
                condition=models.Q(status__in=OPEN_CASE_STATUSES),
                name="cases_case_open_point",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # Status and version belong to cases.services (compare-and-swap updates); a plain save()
        # of an existing row must not overwrite a concurrent move.
        if self.pk and not kwargs.get("update_fields") and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in PROTECTED_CASE_FIELDS
            ]
        super().save(*args, **kwargs)


PROTECTED_CASE_FIELDS = frozenset({"status", "version", "dispatch_round"})


class Task(TimeStamped):
    """The work one department owes on a case in one dispatch round (任务).

    Clock: ``deadline_at`` is stored so the SLA scanner can index it. Suspension (挂账) sets
    ``paused_at``; resume adds the paused working time to ``paused_seconds`` and pushes
    ``deadline_at`` by the same working time. The light is elapsed working time minus paused
    time over the allowed time (see cases.sla).
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="tasks"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="tasks"
    )
    round = models.PositiveSmallIntegerField(_("dispatch round"), default=1)
    is_lead = models.BooleanField(_("lead task 主办"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    time_limit = models.DecimalField(_("time limit"), max_digits=8, decimal_places=2)
    time_unit = models.CharField(_("time unit"), max_length=12, choices=TimeUnit.choices)
    # Approved extensions (延期), in ``time_unit``.
    extended = models.DecimalField(_("extended by"), max_digits=8, decimal_places=2, default=0)
    started_at = models.DateTimeField(_("clock started at"))
    deadline_at = models.DateTimeField(_("deadline"), db_index=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused working seconds"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("reworks 返工"), default=0)
    extension_reason = models.CharField(_("extension reason"), max_length=300, blank=True)
    extension_amount = models.DecimalField(
        _("extension requested"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Set by the SLA scanner with compare-and-swap (dispatch app); the light itself is computed.
    warned_at = models.DateTimeField(_("yellow warning sent"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("red (overdue) flagged"), null=True, blank=True)
    # A returned task (回退) waits for the desk until this is set: a co-department's share by
    # re-routing or settling it (协办改派 / 回退确认), the lead's by the next dispatch round.
    return_settled_at = models.DateTimeField(_("return handled at"), null=True, blank=True)

    class Meta:
        ordering = ["case_id", "round", "-is_lead", "pk"]  # case_id: no join
        indexes = [
            models.Index(fields=["department", "status"], name="cases_task_dept_status"),
            models.Index(fields=["status", "deadline_at"], name="cases_task_status_deadline"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.case_id}/{self.department_id} {self.status}"

    @property
    def is_open(self) -> bool:
        from cases.states import OPEN_TASK_STATUSES

        return self.status in OPEN_TASK_STATUSES

    @property
    def awaits_desk(self) -> bool:
        """A returned share (协办回退) the desk has not yet re-routed or settled."""
        from cases.states import TaskStatus

        return (
            self.status == TaskStatus.RETURNED
            and not self.is_lead
            and self.return_settled_at is None
        )


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("CaseEvent rows are append-only.")

    def delete(self):
        raise TypeError("CaseEvent rows are append-only.")


class CaseEvent(models.Model):
    """One move on a case: the audit trail row (append-only)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=CaseAction.choices)
    from_status = models.CharField(
        _("from status"), max_length=12, choices=CaseStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=12, choices=CaseStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "at", "pk"]
        indexes = [models.Index(fields=["action", "at"], name="cases_event_action_at")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("CaseEvent rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("CaseEvent rows are append-only.")


def evidence_path(instance: Evidence, filename: str) -> str:
    at = instance.taken_at
    return f"evidence/{at:%Y}/{at:%m}/{filename}"


class Evidence(TimeStamped):
    """A photo on a case: before (report), after (disposal) or check (核查). EXIF is stripped."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="evidence"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=20)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["case_id", "taken_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name or self.sha256[:12]}"


class CaseSequence(models.Model):
    """The last case number handed out on a local day (案件编号流水号)."""

    day = models.DateField(_("day"), primary_key=True)
    last = models.PositiveIntegerField(_("last sequence"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class CaseTally(models.Model):
    """Cases per area path, source channel and status (案件计数), kept by the database.

    Triggers on ``cases_case`` (migration 0010, PostgreSQL and SQLite) add and subtract on every
    insert, update, delete and truncate, the historical import's COPY included, so a scope's
    counts sum a few thousand of these rows instead of counting a city's years of cases
    (seconds per page at 2.6 M: issue 15). ``cases.tally`` reads them and checks them against
    the cases every night.
    """

    area_path = models.CharField(_("area path"), max_length=80)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices)
    n = models.BigIntegerField(_("cases"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_path", "source", "status"], name="cases_tally_key"
            ),
        ]
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")

    def __str__(self) -> str:
        return f"{self.area_path} {self.source} {self.status}: {self.n}"
