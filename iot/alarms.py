"""Alarm services 告警: raise / update / clear from rule outcomes, acknowledge and clear by hand,
offline detection, and the alarm -> case link.

* One open alarm per (device, rule) (partial unique constraint): a breach while one is open
  updates it (latest value, count, last triggered); a new alarm starts only after a clear.
* Raising an alarm whose rule says ``open_case`` reports a case through
  ``intake.services.receive_report`` (source ``iot``, trusted, ``external_id="alarm:<pk>"`` so a
  retry never opens a second case). If intake refuses (e.g. the device lies outside every
  grid), the alarm stays and its history says why (``case_failed``). By default the case is
  opened in the transaction that raises the alarm; inside ``cases_deferred()`` (the MQTT
  consumer) the alarm ids are collected instead and ``open_cases`` reports them after the
  readings are committed and acknowledged (iot.tasks on the worker), so intake's cost and
  failures never slow down or hold back telemetry. ``open_missing_cases`` (every minute) opens
  whatever a crash between the two left behind.
* A clear adds a note to the alarm's case; a *confirmed* clear (by the sensor's own readings)
  of a rule with ``auto_check_pass`` passes the case's on-site check (核查) once the case is
  disposed. That move is made by the system account ``cityops-iot`` (no password, audited).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from core.words import in_language, reading
from iot.models import (
    OPEN_ALARM_STATUSES,
    Alarm,
    AlarmAction,
    AlarmEvent,
    AlarmRule,
    AlarmStatus,
    Device,
    DeviceType,
    RuleKind,
)
from iot.rules import Outcome

logger = logging.getLogger(__name__)

IOT_USERNAME = "cityops-iot"
REASON_MAX = 300
MISSING_CASE_GRACE = timedelta(minutes=1)  # a deferred case is late after this long
MISSING_CASE_BATCH = 200  # alarms per open_missing_cases run
_deferral = threading.local()


# --- the system actor ---------------------------------------------------------------------


def iot_actor():
    """The account that makes the moves the sensors justify (check pass after a confirmed clear).

    An administrator profile without a usable password: it cannot log in, it may act in every
    area, and every move it makes is in the case's audit trail under its name.
    """
    from org.models import Role, StaffProfile

    user_model = get_user_model()
    user = user_model.objects.filter(username=IOT_USERNAME).first()
    if user is None:
        user = user_model(username=IOT_USERNAME, first_name="CityOps IoT")
        user.set_unusable_password()
        user.save()
    StaffProfile.objects.get_or_create(user=user, defaults={"role": Role.ADMIN})
    return user


# --- raise / update / clear ----------------------------------------------------------------


def _event(alarm: Alarm, action: str, *, at: datetime, actor=None, note: str = "", data=None):
    AlarmEvent.objects.create(
        alarm=alarm, action=action, at=at, actor=actor, note=note, data=data or {}
    )


def _raise(
    *,
    device: Device,
    rule: AlarmRule,
    started_at: datetime,
    ts: datetime,
    value: float | None,
    unit: str,
    now: datetime,
) -> Alarm:
    alarm = Alarm.objects.create(
        device=device,
        rule=rule,
        severity=rule.severity,
        status=AlarmStatus.ACTIVE,
        started_at=started_at,
        last_triggered_at=ts,
        trigger_value=value,
        last_value=value,
        area_path=device.area_path,
    )
    _event(
        alarm,
        AlarmAction.RAISE,
        at=now,
        data={"value": value, "unit": unit, "ts": ts.isoformat(), "severity": rule.severity},
    )
    if rule.open_case:
        pending = getattr(_deferral, "pending", None)
        if pending is None:
            _open_case(alarm, value=value, unit=unit, now=now)
        else:
            pending.append(alarm.pk)
    return alarm


@contextmanager
def cases_deferred() -> Iterator[list[int]]:
    """Alarms raised inside this block (in this thread) do not open their case; their ids are
    collected in the yielded list for ``open_cases`` once the caller has committed."""
    outer = getattr(_deferral, "pending", None)
    pending: list[int] = []
    _deferral.pending = pending
    try:
        yield pending
    finally:
        _deferral.pending = outer


def open_cases(alarm_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Open the case of each alarm whose rule says ``open_case`` and that has none yet (nor a
    recorded refusal); returns how many were opened. Idempotent: the alarm row is locked and
    intake refuses a second report with the same external id. An alarm cleared meanwhile still
    gets its case (the fault happened), with the clear noted on it. Never raises for one alarm."""
    now = now or timezone.now()
    opened = 0
    for pk in sorted(set(alarm_ids)):
        try:
            with transaction.atomic():
                alarm = (
                    Alarm.objects.select_for_update(of=("self",))
                    .select_related("device__device_type", "device__category", "rule__category")
                    .filter(pk=pk, case__isnull=True, rule__open_case=True)
                    .first()
                )
                if alarm is None or alarm.events.filter(action=AlarmAction.CASE_FAILED).exists():
                    continue
                unit = alarm.device.device_type.metric_units().get(alarm.rule.metric, "")
                _open_case(alarm, value=alarm.trigger_value, unit=unit, now=now)
                if alarm.case_id:
                    opened += 1
                    if alarm.status == AlarmStatus.CLEARED:
                        _note_case(alarm, now=now)
        except Exception:  # one alarm must not stop the others; the sweeper tries again
            logger.exception("alarm %s: opening its case failed", pk)
    return opened


def open_missing_cases(*, now: datetime | None = None) -> int:
    """The cases a deferred opening missed (crash after the commit, queue lost): alarms older
    than MISSING_CASE_GRACE whose rule opens cases, with no case and no recorded refusal."""
    now = now or timezone.now()
    ids = list(
        Alarm.objects.filter(
            rule__open_case=True, case__isnull=True, created_at__lt=now - MISSING_CASE_GRACE
        )
        .exclude(events__action=AlarmAction.CASE_FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)[:MISSING_CASE_BATCH]
    )
    return open_cases(ids, now=now) if ids else 0


def _metric_label(device, metric: str) -> str:
    return device.device_type.metric_labels().get(metric) or metric


def _back_to_normal(hit) -> str:
    """Why an alarm cleared by itself, stored on the alarm: "恢复正常：倾角 3.2°"."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("back to normal: %(metric)s %(value)s") % {
            "metric": _metric_label(hit.device, hit.rule.metric),
            "value": reading(hit.value, hit.unit),
        }


def _describe(alarm: Alarm, *, value: float | None, unit: str) -> str:
    """The case text of an alarm, in the platform language (it is stored on the case and read
    by the desk): the rule's name, the metric's label, the value as people read it (22.7°)."""
    rule, device = alarm.rule, alarm.device
    where = f"{device.code} {device.name}".strip()
    with translation.override(settings.LANGUAGE_CODE):
        name = in_language(rule.name)
        if rule.kind == RuleKind.OFFLINE:
            return _("%(rule)s: device %(device)s sent no data since %(since)s.") % {
                "rule": name,
                "device": where,
                "since": timezone.localtime(device.last_seen_at).strftime("%Y-%m-%d %H:%M")
                if device.last_seen_at
                else "-",
            }
        return _(
            "%(rule)s: %(metric)s %(value)s (limit %(op)s %(threshold)s), device %(device)s."
        ) % {
            "rule": name,
            "metric": _metric_label(device, rule.metric),
            "value": reading(value, unit),
            "op": rule.get_operator_display(),
            "threshold": reading(rule.threshold, unit),
            "device": where,
        }


def _open_case(alarm: Alarm, *, value: float | None, unit: str, now: datetime) -> None:
    """Report the alarm as a case through intake (module docstring); never raises."""
    try:
        _report(alarm, value=value, unit=unit, now=now)
    except DomainError as exc:
        logger.info("alarm %s opened no case: %s", alarm.pk, exc.message)
        _event(alarm, AlarmAction.CASE_FAILED, at=now, note=exc.message)


def may_open_case(actor) -> bool:
    """Who reports an alarm as a case by hand: the desk roles that supervise, and leaders."""
    from cases import permissions
    from dispatch.services import SUPERVISE_ROLES

    return bool(actor.is_superuser or permissions.role_of(actor) in SUPERVISE_ROLES)


@transaction.atomic
def alarm_open_case(*, alarm: Alarm, actor, now: datetime | None = None):
    """转立案: report an open alarm as a case by hand (its rule opens none by itself, or it
    could not then), from the alarm list or the cockpit (处置指挥一键通). The desk roles and
    leaders with the alarm in scope; the case is the same one the rule would have opened."""
    now = now or timezone.now()
    _check_scope(actor, alarm)
    if not may_open_case(actor):
        raise PermissionDenied(
            _("Opening a case from an alarm needs a desk role or a leader."), code="role_required"
        )
    alarm = Alarm.objects.select_for_update().select_related("device", "rule").get(pk=alarm.pk)
    if alarm.case_id is not None:
        raise Conflict(
            _("Alarm %(pk)s has its case already.") % {"pk": alarm.pk}, code="illegal_move"
        )
    if alarm.status not in OPEN_ALARM_STATUSES:
        raise Conflict(
            _("Alarm %(pk)s is cleared: only an open alarm becomes a case.") % {"pk": alarm.pk},
            code="illegal_move",
        )
    return _report(alarm, value=alarm.last_value, unit=alarm.unit, now=now, actor=actor)


def _report(alarm: Alarm, *, value: float | None, unit: str, now: datetime, actor=None):
    """The alarm as a case through intake, linked and on the alarm's log; a refusal raises
    (DomainError) and leaves nothing half-written."""
    from cases.states import SourceChannel
    from intake.services import component_fits, receive_report

    device, rule = alarm.device, alarm.rule
    category = device.category if device.category_id else rule.category
    if category is None:
        raise ValidationFailed(
            _("No case category: set one on the rule or the device."),
            details={"field": "category"},
        )
    # A refusal rolls back intake's half, not the alarm (the caller decides what it means).
    with transaction.atomic():
        result = receive_report(
            source=SourceChannel.IOT,
            description=_describe(alarm, value=value, unit=unit),
            lon=device.lon,
            lat=device.lat,
            address=device.address,
            category=category,
            trusted=True,
            external_id=f"alarm:{alarm.pk}",
            # The watched component, when the alarm's category is about it (the same code:
            # the 部件 or its 管理事项 "异常"); another category's case names none.
            component=device.component
            if device.component_id and component_fits(device.component, category)
            else None,
            data={
                "device": device.code,
                "device_type": device.device_type.code,
                "rule": rule.key,
                "alarm": alarm.pk,
                "metric": rule.metric,
                "value": value,
                "unit": unit,
            },
            now=now,
        )
    alarm.case = result.case
    Alarm.objects.filter(pk=alarm.pk).update(case=result.case)
    _event(
        alarm,
        AlarmAction.CASE_OPENED,
        at=now,
        actor=actor,
        data={"case": result.case.number, "created": result.created},
    )
    return result.case


def _clear(
    alarm: Alarm,
    *,
    now: datetime,
    reason: str,
    confirmed: bool,
    actor=None,
    extra: dict | None = None,
) -> bool:
    """Compare-and-swap the alarm to cleared; False when someone cleared it first."""
    updated = Alarm.objects.filter(pk=alarm.pk, status__in=OPEN_ALARM_STATUSES).update(
        status=AlarmStatus.CLEARED,
        cleared_at=now,
        cleared_by=actor,
        clear_reason=reason[:REASON_MAX],
        confirmed_clear=confirmed,
        updated_at=now,
        **(extra or {}),
    )
    if not updated:
        return False
    alarm.status, alarm.cleared_at, alarm.cleared_by = AlarmStatus.CLEARED, now, actor
    alarm.clear_reason, alarm.confirmed_clear = reason[:REASON_MAX], confirmed
    _event(
        alarm, AlarmAction.CLEAR, at=now, actor=actor, note=reason, data={"confirmed": confirmed}
    )
    if alarm.case_id:
        _note_case(alarm, now=now)
        if confirmed and alarm.rule.auto_check_pass:
            transaction.on_commit(lambda: pass_check_if_confirmed(case_id=alarm.case_id))
    return True


def _note_case(alarm: Alarm, *, now: datetime) -> None:
    from cases import services as case_services
    from cases.models import Case

    case = Case.objects.filter(pk=alarm.case_id).first()
    if case is None:
        return
    note = _("Sensor alarm cleared: %(rule)s on device %(device)s (%(reason)s).") % {
        "rule": alarm.rule.name,
        "device": alarm.device.code,
        "reason": alarm.clear_reason,
    }
    try:
        with transaction.atomic():
            case_services.case_add_note(
                case=case,
                actor=None,
                note=note,
                data={"alarm": alarm.pk, "confirmed": alarm.confirmed_clear},
                now=now,
            )
    except DomainError as exc:  # e.g. the case is closed already: the alarm's history says so
        logger.info("alarm %s: no note on case %s: %s", alarm.pk, case.number, exc.message)


def apply_rule_hits(hits: Sequence, *, now: datetime) -> tuple[int, int]:
    """Move alarms by rule outcomes (iot.ingest.batch.RuleHit, in reading order).

    Runs inside the ingest transaction, after the device's latest-value rows were locked, so
    two consumers never race on one (device, rule). Returns (raised, cleared).
    """
    device_ids = {h.device.pk for h in hits}
    rule_ids = {h.rule.pk for h in hits}
    open_alarms = {
        (a.device_id, a.rule_id): a
        for a in Alarm.objects.filter(
            device_id__in=device_ids, rule_id__in=rule_ids, status__in=OPEN_ALARM_STATUSES
        )
    }
    raised = cleared = 0
    dirty: dict[int, Alarm] = {}
    for hit in hits:
        key = (hit.device.pk, hit.rule.pk)
        alarm = open_alarms.get(key)
        if hit.outcome in (Outcome.RAISE, Outcome.UPDATE):
            if alarm is None:
                # UPDATE without an open alarm: it was cleared by hand while the value stayed
                # in breach; as in ThingsBoard, the next breach starts a new alarm.
                open_alarms[key] = _raise(
                    device=hit.device,
                    rule=hit.rule,
                    started_at=hit.started_at or hit.ts,
                    ts=hit.ts,
                    value=hit.value,
                    unit=hit.unit,
                    now=now,
                )
                raised += 1
                continue
            alarm.device, alarm.rule = hit.device, hit.rule
            alarm.last_value = hit.value
            alarm.last_triggered_at = max(alarm.last_triggered_at, hit.ts)
            alarm.trigger_count += 1
            alarm.severity = hit.rule.severity
            alarm.updated_at = now
            dirty[alarm.pk] = alarm
        elif hit.outcome is Outcome.CLEAR and alarm is not None:
            alarm.device, alarm.rule = hit.device, hit.rule
            reason = _back_to_normal(hit)
            pending = dirty.pop(alarm.pk, None)
            extra = (
                {
                    "last_value": pending.last_value,
                    "last_triggered_at": pending.last_triggered_at,
                    "trigger_count": pending.trigger_count,
                    "severity": pending.severity,
                }
                if pending
                else None
            )
            if _clear(alarm, now=now, reason=reason, confirmed=True, extra=extra):
                cleared += 1
            del open_alarms[key]
    if dirty:
        Alarm.objects.bulk_update(
            list(dirty.values()),
            ["last_value", "last_triggered_at", "trigger_count", "severity", "updated_at"],
        )
    return raised, cleared


# --- offline detection --------------------------------------------------------------------


def offline_window(device_type: DeviceType) -> timedelta:
    return timedelta(minutes=device_type.offline_minutes or settings.IOT_OFFLINE_MINUTES)


def scan_offline(*, now: datetime | None = None) -> dict:
    """Mark devices silent for longer than their window offline, raising their offline alarm.

    A device never heard from is not "offline" (it may not be installed yet). Each flip is a
    compare-and-swap on (is_online, last_seen_at): data arriving meanwhile wins, and two
    scanners never raise twice. Run every minute by iot.tasks.
    """
    from iot.selectors import effective_rules

    now = now or timezone.now()
    report = {"offline": 0, "alarms": 0}
    for device_type in DeviceType.objects.all():
        cutoff = now - offline_window(device_type)
        stale = list(
            Device.objects.filter(
                device_type=device_type, is_active=True, is_online=True, last_seen_at__lt=cutoff
            ).select_related("device_type")
        )
        if not stale:
            continue
        rules = effective_rules(stale, kind=RuleKind.OFFLINE)
        for device in stale:
            with transaction.atomic():
                flipped = Device.objects.filter(
                    pk=device.pk, is_online=True, last_seen_at=device.last_seen_at
                ).update(is_online=False)
                if not flipped:
                    continue
                device.is_online = False
                report["offline"] += 1
                for rule in rules.get(device.pk, ()):
                    if Alarm.objects.filter(
                        device=device, rule=rule, status__in=OPEN_ALARM_STATUSES
                    ).exists():
                        continue
                    _raise(
                        device=device,
                        rule=rule,
                        started_at=device.last_seen_at + offline_window(device_type),
                        ts=now,
                        value=None,
                        unit="",
                        now=now,
                    )
                    report["alarms"] += 1
    return report


def clear_offline(devices: Sequence[Device], *, now: datetime) -> int:
    """Data arrived from devices that were offline: clear their offline alarms (confirmed)."""
    alarms = Alarm.objects.filter(
        device__in=devices, rule__kind=RuleKind.OFFLINE, status__in=OPEN_ALARM_STATUSES
    ).select_related("device", "rule")
    return sum(
        _clear(alarm, now=now, reason=_("data received again"), confirmed=True) for alarm in alarms
    )


# --- people: acknowledge and clear --------------------------------------------------------


def _check_scope(actor, alarm: Alarm) -> None:
    """The alarm must be one the actor may see (iot.selectors.visible_alarms: area scope, or a
    disposer's own department's)."""
    from iot.selectors import visible_alarms

    if (
        actor is None
        or not actor.is_authenticated
        or not visible_alarms(Alarm.objects.filter(pk=alarm.pk), actor).exists()
    ):
        raise PermissionDenied(
            _("Alarm %(pk)s lies outside your area scope.") % {"pk": alarm.pk}, code="out_of_scope"
        )


@transaction.atomic
def alarm_acknowledge(*, alarm: Alarm, actor, note: str = "", now: datetime | None = None) -> Alarm:
    """Someone has seen the alarm (确认); it stays open until its condition clears."""
    now = now or timezone.now()
    _check_scope(actor, alarm)
    updated = Alarm.objects.filter(pk=alarm.pk, status=AlarmStatus.ACTIVE).update(
        status=AlarmStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor, updated_at=now
    )
    if not updated:
        current = Alarm.objects.filter(pk=alarm.pk).values_list("status", flat=True).first()
        raise Conflict(
            _("Alarm %(pk)s is %(status)s: only an active alarm can be acknowledged.")
            % {"pk": alarm.pk, "status": AlarmStatus(current).label if current else "-"},
            code="illegal_move",
        )
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = (
        AlarmStatus.ACKNOWLEDGED,
        now,
        actor,
    )
    _event(alarm, AlarmAction.ACKNOWLEDGE, at=now, actor=actor, note=(note or "").strip())
    return alarm


@transaction.atomic
def alarm_clear(*, alarm: Alarm, actor, reason: str, now: datetime | None = None) -> Alarm:
    """Clear an alarm by hand (e.g. a false alarm); the sensor has not confirmed anything, so
    this never passes a case's check. If the value is still in breach, the next reading raises
    a new alarm (ThingsBoard semantics)."""
    now = now or timezone.now()
    _check_scope(actor, alarm)
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("Clearing an alarm by hand needs a reason."), details={"field": "reason"}
        )
    if not _clear(alarm, now=now, reason=text, confirmed=False, actor=actor):
        raise Conflict(
            _("Alarm %(pk)s is already cleared.") % {"pk": alarm.pk}, code="illegal_move"
        )
    return alarm


# --- alarm -> case check ------------------------------------------------------------------


def pass_check_if_confirmed(*, case=None, case_id: int | None = None) -> bool:
    """Pass the case's check (核查) when every alarm behind it was cleared by its sensor under a
    rule with ``auto_check_pass`` and the case waits for its check. Never raises."""
    from cases import services as case_services
    from cases.models import Case
    from cases.states import CaseStatus

    case_id = case_id if case is None else case.pk
    if not Alarm.objects.filter(case_id=case_id).exists():  # most cases: one cheap query
        return False
    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.status not in (CaseStatus.DISPOSED, CaseStatus.CHECKING):
        return False
    if case.check_passed_at is not None:
        return False
    alarms = list(Alarm.objects.filter(case=case).select_related("rule", "device"))
    if not alarms or not all(
        a.status == AlarmStatus.CLEARED and a.confirmed_clear and a.rule.auto_check_pass
        for a in alarms
    ):
        return False
    now = timezone.now()
    names = ", ".join(sorted({f"{a.rule.name} @ {a.device.code}" for a in alarms}))
    try:
        with transaction.atomic():
            case_services.case_check_pass(
                case=case,
                actor=iot_actor(),
                note=_("The sensor confirms the fix: %(alarms)s cleared.") % {"alarms": names},
                now=now,
            )
            for alarm in alarms:
                _event(alarm, AlarmAction.CHECK_PASSED, at=now, data={"case": case.number})
    except DomainError as exc:
        logger.info("case %s: automatic check pass refused: %s", case.number, exc.message)
        return False
    return True
