"""Shared kernel models: the TimeStamped base and the working-time calendar."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    """Abstract base: when a row was created and last changed (UTC-aware)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TimeUnit(models.TextChoices):
    """SLA units as real 立结案标准 use them (standards.md §3.4)."""

    URGENT_HOUR = "urgent_hour", _("Urgent working hours 紧急工作时")  # continuous, round the clock
    WORK_HOUR = "work_hour", _("Working hours 工作时")  # inside working windows only
    WORK_DAY = "work_day", _("Working days 工作日")
    NATURAL_DAY = "natural_day", _("Calendar days 自然日")
