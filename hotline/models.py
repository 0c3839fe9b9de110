"""Hotline batch import (热线批量导入): saved column mappings and the record of every run.

``ImportProfile`` says how one export format reads (which source column holds which of our
fields, how values translate, which date formats and coordinate system it uses), so an
operator maps a 12345 / 110 非警务 / 81890 export once and reuses the mapping. ``ImportRun``
is one import of one file, with its counts; ``ImportRejection`` keeps every row that was not
loaded with its line number and the reason, downloadable as CSV from the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.states import SourceChannel
from core.models import TimeStamped

REASON_MAX = 500


class Crs(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84 (GPS)")
    GCJ02 = "gcj02", _("GCJ-02 (Amap, Tencent 高德/腾讯)")
    BD09 = "bd09", _("BD-09 (Baidu 百度)")


class ImportProfile(TimeStamped):
    """A saved column mapping of one export format (导入映射方案)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("default source channel"),
        max_length=20,
        choices=SourceChannel.choices,
        default=SourceChannel.HOTLINE_12345,
        help_text=_("Used when the file has no source column (来电类型)."),
    )
    # {our field: source column header}; fields not listed are looked up under their usual
    # headers (hotline.mapping.FIELDS).
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    # {our field: {source value: our value}}, e.g. {"source": {"110非警务": "hotline_110"}}.
    value_maps = models.JSONField(_("value maps"), default=dict, blank=True)
    # strptime formats tried after ISO 8601, e.g. ["%Y/%m/%d %H:%M:%S", "%Y年%m月%d日 %H:%M"].
    date_formats = models.JSONField(_("date formats"), default=list, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=40,
        default="Asia/Shanghai",
        help_text=_("Times without an offset are read in this zone."),
    )
    crs = models.CharField(
        _("coordinate system"), max_length=5, choices=Crs.choices, default=Crs.WGS84
    )
    delimiter = models.CharField(
        _("CSV delimiter"), max_length=1, blank=True, help_text=_("Blank: detect , ; or tab.")
    )
    sheet = models.CharField(
        _("xlsx sheet"), max_length=60, blank=True, help_text=_("Blank: the first sheet.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from hotline.mapping import profile_problems

        problems = profile_problems(self)
        if problems:
            raise ValidationError(problems)


class RunMode(models.TextChoices):
    LIVE = "live", _("Live: each row reported 逐条受理")
    HISTORICAL = "historical", _("Historical: closed cases with timelines 历史导入")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting 等待中")
    RUNNING = "running", _("Running 导入中")
    DONE = "done", _("Done 完成")
    FAILED = "failed", _("Failed 失败")


class ImportRun(TimeStamped):
    """One import of one file (导入批次): what was asked, and what became of every row."""

    profile = models.ForeignKey(
        ImportProfile,
        verbose_name=_("profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    source = models.CharField(
        _("default source channel"), max_length=20, choices=SourceChannel.choices
    )
    mode = models.CharField(_("mode"), max_length=10, choices=RunMode.choices)
    dry_run = models.BooleanField(_("dry run"), default=False)
    file_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("uploaded file"), upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    # The file's column headers in order (a rejected row's values are keyed by them; the JSON
    # object of the values does not keep the order on PostgreSQL).
    header = models.JSONField(_("columns of the file"), default=list, blank=True)
    # Data rows in the file as counted before the import (lines, for CSV): the progress bar's end.
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("cases created"), default=0)
    duplicates = models.PositiveIntegerField(
        _("duplicates"), default=0, help_text=_("Attached to an open case of the same problem.")
    )
    skipped = models.PositiveIntegerField(
        _("already imported"), default=0, help_text=_("External id seen before: nothing added.")
    )
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    cut = models.PositiveIntegerField(
        _("rows with a field cut to its limit"),
        default=0,
        help_text=_("The full values are kept in the run's notes."),
    )
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_mode_display()}, {self.get_status_display()})"

    @property
    def processed(self) -> int:
        return self.created + self.duplicates + self.skipped + self.rejected

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportRejection(models.Model):
    """A row that was not loaded, with its line and why (驳回记录)."""

    run = models.ForeignKey(
        ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="rejections"
    )
    line = models.PositiveIntegerField(_("line"))
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    # The row as read, header -> text, so the file can be fixed and the rows re-imported.
    values = models.JSONField(_("values"), default=dict, blank=True)

    class Meta:
        ordering = ["run_id", "line"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportNote(models.Model):
    """A row that went in with a field longer than the platform keeps (a description over
    DESCRIPTION_MAX, an address over 200 characters ...): which fields were cut, and their full
    original values, so nothing of the source is lost."""

    run = models.ForeignKey(
        ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="notes"
    )
    line = models.PositiveIntegerField(_("line"))
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    fields = models.JSONField(
        _("fields cut"), help_text=_("field: {length, kept, full}"), default=dict
    )

    class Meta:
        ordering = ["run", "line"]
        verbose_name = _("import note")
        verbose_name_plural = _("import notes")

    def __str__(self) -> str:
        return f"{self.run_id}:{self.line} {', '.join(self.fields)}"
