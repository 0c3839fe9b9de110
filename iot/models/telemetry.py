"""Telemetry 遥测: readings (one value of one metric of one device at one time), the latest
value per device and metric (with the alarm rules' running state), and refused payloads.

Reading is deliberately generic (device + metric + time + value) so that GPS track points and
other streams can share the ingest pipeline later.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HTTP = "http", _("HTTP")
    MQTT = "mqtt", _("MQTT")


class Reading(models.Model):
    """One resolved SenML record. (device, metric, ts) is unique: a redelivered message after a
    crash inserts nothing (ON CONFLICT DO NOTHING), so ingest is idempotent.

    ``device`` has no foreign-key constraint in the database, and no index of its own (the
    unique constraint starts with it). A deferred FK check per inserted reading was a third of
    an MQTT batch's time (bench/ingest: 500 messages, 1,500 readings, ~110 -> ~75 ms). Ingest
    inserts only readings whose device row exists at that moment (iot.ingest.sql), and deleting
    a device through Django still deletes its readings (CASCADE is done by the ORM).

    On PostgreSQL the table is partitioned by month of ``ts`` (iot.partitions, migration 0007;
    the database's primary key is (id, ts)): a later migration that alters ``id`` or ``ts``
    must be written for the partitioned table (RunSQL on the parent), not left to Django."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        "iot.Device",
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    metric = models.CharField(_("metric"), max_length=64)
    ts = models.DateTimeField(_("measured at"))
    value = models.FloatField(_("value"), null=True, blank=True)
    value_str = models.CharField(_("text value"), max_length=200, blank=True)
    value_bool = models.BooleanField(_("boolean value"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["device", "metric", "ts"]
        constraints = [
            models.UniqueConstraint(fields=["device", "metric", "ts"], name="iot_reading_unique"),
        ]
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric}@{self.ts:%Y-%m-%d %H:%M:%S}"


class DeviceMetricState(models.Model):
    """Latest value of one metric of one device 最新值, and the rules' running state.

    ``rule_state`` maps rule id -> iot.rules.RuleState as a dict: the windows (count/duration)
    and hysteresis need what came before, and one row per (device, metric) lets a batch load
    and save all of it in two queries.
    """

    device = models.ForeignKey(
        "iot.Device", verbose_name=_("device"), on_delete=models.CASCADE, related_name="metrics"
    )
    metric = models.CharField(_("metric"), max_length=64)
    ts = models.DateTimeField(_("measured at"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    value_str = models.CharField(_("text value"), max_length=200, blank=True)
    value_bool = models.BooleanField(_("boolean value"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    rule_state = models.JSONField(_("rule state"), default=dict, blank=True)

    class Meta:
        ordering = ["device", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["device", "metric"], name="iot_metricstate_unique"),
        ]
        verbose_name = _("latest value")
        verbose_name_plural = _("latest values")

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric}"


class DeadLetter(models.Model):
    """A payload that could not be stored 死信, with the reason; never silently dropped."""

    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    device = models.ForeignKey(
        "iot.Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    payload = models.TextField(_("payload"), blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.reason[:60]}"
