"""Sign warnings (体征预警): the national four-level warning channel on a leaf's raw value, kept
apart from the index colours (reference/signs.md §7.4).

A leaf's ``warning`` rule gives the threshold of each level it uses, e.g. 积水 points
``{"IV": 1, "III": 3, "II": 5, "I": 10}``: the most severe level whose threshold the value
reaches. When the thresholds fall from IV to I (``{"IV": 95, "I": 80}`` on a rate), lower is
worse and a value at or below a threshold reaches it. Each (leaf, area) has at most one open
episode: raised once when a level is first reached, its level changed as the value moves (the
history keeps every change), ended when the value reaches no level. A day without a value
changes nothing. Recomputing a day already followed changes nothing either.

The rule may also say what to do (``act``), for the days just ended only (a backfill of past
days records their episodes and tells nobody):

- ``"department": "CITY-WATER"``: the responsible department is texted (its contact phone,
  notify outbox) when an episode starts and each time it reaches a more severe level, once per
  level (the outbox's dedupe key);
- ``"case_from": "III", "category": "01010"``: once the episode reaches that level, one case is
  reported through intake (source other, trusted, ``external_id="sign-warning:<pk>"``: a rerun
  opens no second case) in the warning's area, and linked to the warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, ValidationFailed
from signs.models import SignNode, SignWarning, WarningLevel

logger = logging.getLogger(__name__)

LEVELS = (("I", 1), ("II", 2), ("III", 3), ("IV", 4))  # most severe first


def level_of(raw: float | None, rule: dict) -> int:
    """The warning level (1 most severe ... 4; 0 none) of a raw value under ``rule``."""
    if raw is None or not rule:
        return 0
    given = [(name, n, float(rule[name])) for name, n in LEVELS if name in rule]
    if not given:
        return 0
    higher_is_worse = len(given) < 2 or given[0][2] >= given[-1][2]
    for _name, n, threshold in given:  # most severe first
        if (raw >= threshold) if higher_is_worse else (raw <= threshold):
            return n
    return 0


@dataclass(frozen=True)
class Event:
    kind: str  # "raised", "changed", "ended"
    warning: SignWarning


def follow(day: date, nodes: list[SignNode], values: dict[str, dict[str, dict]]) -> list[Event]:
    """Raise, change or end the warning episodes of every leaf with a rule, for every area's
    value of ``day`` (path -> code -> value); returns what happened."""
    ruled = {n.code: n for n in nodes if n.warning}
    if not ruled:
        return []
    open_ = {
        (w.node_id, w.area_path): w
        for w in SignWarning.objects.filter(node__in=ruled.values(), ended_on__isnull=True)
    }
    events = []
    for path, found in values.items():
        for code, node in ruled.items():
            value = found.get(code)
            if value is None or value["raw"] is None:
                continue  # no value today: nothing changes
            raw = value["raw"]
            level = level_of(raw, node.warning)
            current = open_.get((node.pk, path))
            if current is not None and day < current.started_on:
                continue  # an earlier day computed again: the episode is already past it
            step = {"day": day.isoformat(), "level": level, "raw": raw}
            if level and current is None:
                warning = SignWarning.objects.create(
                    node=node, area_path=path, level=level, highest=level, started_on=day,
                    raw=raw, history=[step],
                )  # fmt: skip
                events.append(Event("raised", warning))
            elif level and current.level != level:
                current.level, current.raw = level, raw
                current.highest = min(current.highest, level)
                current.history = [*current.history, step]
                current.save(update_fields=["level", "raw", "highest", "history"])
                events.append(Event("changed", current))
            elif not level and current is not None:
                current.ended_on, current.raw = day, raw
                current.history = [*current.history, step]
                current.save(update_fields=["ended_on", "raw", "history"])
                events.append(Event("ended", current))
    return events


def active(path: str) -> list[SignWarning]:
    """The open warnings in the area at ``path`` and below, most severe first."""
    return list(
        SignWarning.objects.filter(ended_on__isnull=True, area_path__startswith=path)
        .select_related("node", "case")
        .order_by("level", "node__code", "area_path")
    )


# --- what a warning does (the rule's actions) ---------------------------------------------------

ACTION_KEYS = ("department", "case_from", "category")
LEVEL_NUMBER = dict(LEVELS)


def check_rule(rule: dict) -> str:
    """What is wrong with a warning rule's actions (empty when nothing)."""
    from catalog.models import Category
    from org.models import Department

    if not rule:
        return ""
    if not isinstance(rule, dict):
        return _("A warning rule is a JSON object.")
    code = rule.get("department")
    if code and not Department.objects.filter(code=code, is_active=True).exists():
        return _("No active department with the code %(code)s.") % {"code": code}
    if "case_from" in rule:
        if rule["case_from"] not in LEVEL_NUMBER:
            return _("case_from is one of I, II, III, IV.")
        category = rule.get("category")
        if not category or not Category.objects.filter(code=category).exists():
            return _("A rule that opens cases needs the code of a catalogue category.")
    return ""


def act(events: list[Event], *, now) -> dict[str, int]:
    """Do what the rules of these warnings say (module docstring). Each action of each warning
    is tried on its own: a refusal or an error (a department without a phone, intake refusing
    the place) is logged and the others go on; what was not done is tried again the next time
    (``pending``: the open warnings whose rule still asks for something). Returns how many texts
    were queued and cases opened."""
    done = {"notified": 0, "cases": 0}
    for event in events:
        if event.kind == "ended":
            continue
        warning, rule = event.warning, event.warning.node.warning or {}
        if rule.get("department") and _more_severe(warning.level, warning.notified_level):
            if _attempt(warning, "notify", _notify, warning, rule["department"], now=now):
                done["notified"] += 1
        threshold = LEVEL_NUMBER.get(rule.get("case_from"))
        if threshold and warning.level <= threshold and warning.case_id is None:
            if _attempt(warning, "case", _open_case, warning, rule, now=now):
                done["cases"] += 1
    return done


def pending() -> list[Event]:
    """The open warnings whose rule still asks for something: a level not yet told, or a case
    not yet opened (an earlier attempt failed, or the rule changed)."""
    found = []
    for warning in SignWarning.objects.filter(ended_on__isnull=True).select_related("node"):
        rule = warning.node.warning or {}
        threshold = LEVEL_NUMBER.get(rule.get("case_from"))
        if (rule.get("department") and _more_severe(warning.level, warning.notified_level)) or (
            threshold and warning.level <= threshold and warning.case_id is None
        ):
            found.append(Event("pending", warning))
    return found


def _attempt(warning: SignWarning, what: str, action, *args, **kwargs) -> bool:
    try:
        action(*args, **kwargs)
    except DomainError as exc:
        logger.warning("sign warning %s, %s: %s", warning.pk, what, exc.message)
        return False
    except Exception:  # noqa: BLE001 - one warning's failure must not stop the others
        logger.exception("sign warning %s, %s failed", warning.pk, what)
        return False
    return True


def _more_severe(level: int, told: int | None) -> bool:
    return told is None or level < told


def _area_name(path: str) -> str:
    from areas.models import AdminArea

    return AdminArea.objects.filter(path=path).values_list("name", flat=True).first() or path


def _describe(warning: SignWarning) -> str:
    node = warning.node
    return _(
        "Sign warning %(level)s: %(name)s in %(area)s is %(raw)s %(unit)s (since %(day)s)."
    ) % {
        "level": WarningLevel(warning.level).label,
        "name": node.name,
        "area": _area_name(warning.area_path),
        "raw": f"{warning.raw:g}",
        "unit": node.unit_label,
        "day": warning.started_on.isoformat(),
    }


def _notify(warning: SignWarning, code: str, *, now) -> None:
    from notify import services as notify
    from org.models import Department

    department = Department.objects.filter(code=code).first()
    if department is None or not department.contact_phone:
        raise ValidationFailed(
            _("Department %(code)s has no contact phone to tell.") % {"code": code}
        )
    with transaction.atomic():
        notify.enqueue(
            kind="sms",
            to=department.contact_phone,
            subject=_("Sign warning"),
            body=_describe(warning),
            dedupe_key=f"sign-warning:{warning.pk}:{warning.level}",
        )
        SignWarning.objects.filter(pk=warning.pk).update(notified_level=warning.level)
    warning.notified_level = warning.level


def _open_case(warning: SignWarning, rule: dict, *, now) -> None:
    from areas.models import AdminArea
    from cases.states import SourceChannel
    from catalog.models import Category
    from intake.services import receive_report

    area = AdminArea.objects.filter(path=warning.area_path).first()
    category = Category.objects.filter(code=rule.get("category") or "").first()
    if area is None or category is None:
        raise ValidationFailed(_("The warning's area or the rule's category is unknown."))
    with transaction.atomic():
        result = receive_report(
            source=SourceChannel.OTHER,
            description=_describe(warning),
            area=area,
            address=area.name,  # the whole area: the sign has no point of its own
            category=category,
            trusted=True,
            external_id=f"sign-warning:{warning.pk}",
            data={
                "sign_warning": warning.pk,
                "node": warning.node.code,
                "level": warning.level,
                "raw": warning.raw,
            },
            now=now,
        )
        SignWarning.objects.filter(pk=warning.pk).update(case=result.case)
    warning.case = result.case
