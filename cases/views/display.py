"""What a row or a header shows about time: the worst SLA light and the nearest deadline.

Lights are computed (cases.sla, working-time calendar), not stored, so they are computed for
the rows on screen only: one query for the current-round tasks of a page of cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from cases import sla
from cases.models import Case, CaseEvent, Evidence, Task
from cases.permissions import MOVE_ROLES
from cases.states import SUPERVISION_ACTIONS, CaseAction, CaseStatus, EvidenceKind
from core.models import TimeUnit
from org.models import Role

# Who made a move nobody signed: a report from outside (citizen, hotline caller), or CityOps.
PUBLIC = gettext_lazy("The public 公众")
SYSTEM = gettext_lazy("System 系统")


def task_light(task: Task, case: Case, now: datetime) -> sla.Light | None:
    """The task's light, with the case's area class (already loaded: no query)."""
    return sla.task_light(task, now, area_class=case.area_class or "")


def current_tasks(cases: Sequence[Case]) -> dict[int, list[Task]]:
    """Current-round tasks per case id (one query)."""
    rounds = {c.pk: c.dispatch_round for c in cases if c.dispatch_round}
    by_case: dict[int, list[Task]] = {pk: [] for pk in rounds}
    if not rounds:
        return by_case
    for task in Task.objects.filter(case_id__in=list(rounds)).select_related("department"):
        if task.round == rounds[task.case_id]:
            by_case[task.case_id].append(task)
    return by_case


def annotate_lights(cases: Sequence[Case], now: datetime) -> list[Case]:
    """Set ``light`` (worst of the current round) and ``deadline`` (nearest open) on each case."""
    tasks = current_tasks(cases)
    for case in cases:
        mine = tasks.get(case.pk, [])
        case.light = sla.worst_light(task_light(t, case, now) for t in mine)
        open_deadlines = [t.deadline_at for t in mine if t.is_open]
        case.deadline = min(open_deadlines) if open_deadlines else None
    return list(cases)


def annotate_trail(events: Sequence[CaseEvent]) -> list[CaseEvent]:
    """Set what an event's ``data`` says, for the timeline: ``dispatched_to`` (every department
    a dispatch sent the case to, lead first), and for supervision events ``light`` (the light it
    flipped to, or the task's light at a 督办 by hand), ``escalated_to`` (the tier above that
    was told), ``nobody_texted`` (no phone on file for the department), ``due_at`` (督办时限:
    done and reported by) and ``late_since`` (the scanner saw the light change long after it
    happened: when it really did).
    A report's ``brief`` is what its source added (``report_brief``: a leader order's 交办人
    and 交办时限, the ``due_at`` shown on the trail). ``who`` names an event without a person:
    the public for a report, else the system 系统."""
    for event in events:
        event.light, event.escalated_to, event.nobody_texted = None, None, False
        event.late_since = event.due_at = event.brief = None
        event.who = _who(event)
        event.dispatched_to = dispatched_to(event)
        data = event.data or {}
        if data.get("brief"):  # the report, or a duplicate report's note
            event.brief = report_brief(data["brief"])
            event.due_at = event.brief["due_at"]
        if event.action not in SUPERVISION_ACTIONS:
            continue
        if data.get("due_at"):
            event.due_at = parse_datetime(data["due_at"])
        if data.get("seen_late") and data.get("since"):
            event.late_since = parse_datetime(data["since"])
        if data.get("light") in sla.Light.values:
            event.light = sla.Light(data["light"])
        if event.action == CaseAction.ESCALATE:
            event.escalated_to = (data.get("to_department") or {}).get("name")
        event.nobody_texted = data.get("recipients") == 0
    return list(events)


def report_brief(brief: dict) -> dict:
    """``origin`` (who ordered it / the outlet), ``link`` (only an http(s) address, so a
    stored ``javascript:`` is never a link on the page) and ``due_at`` (a datetime or None)."""
    link = str(brief.get("link") or "")
    return {
        "origin": str(brief.get("origin") or ""),
        "link": link if link.lower().startswith(("http://", "https://")) else "",
        "due_at": parse_datetime(brief["due_at"]) if brief.get("due_at") else None,
    }


def _who(event: CaseEvent) -> str:
    if event.actor_id is not None:
        actor = event.actor
        return actor.get_full_name() or actor.get_username()
    if event.action == CaseAction.REPORT:
        return str(PUBLIC)
    return str(SYSTEM)


def dispatched_to(event: CaseEvent) -> dict | None:
    """``{"lead": name, "co": [names]}`` of a dispatch event (names as they were; codes for
    events written before names were stored); a re-routed share (协办改派) names its new
    co-department only. None for other events."""
    data = event.data or {}
    if event.action == CaseAction.REROUTE_SHARE:
        return {"lead": "", "co": [data.get("to_name") or data.get("to", "")]}
    if event.action != CaseAction.DISPATCH:
        return None
    names = data.get("department_names") or data.get("departments") or []
    if not names:
        return None
    return {"lead": names[0], "co": list(names[1:])}


def time_limit(case: Case) -> str:
    """The case's 处置时限 as people read it ("2 工作日"), from ``sla.case_limit``: the same
    limit its tasks started with. Empty before filing."""
    limit = sla.case_limit(case)
    if limit is None:
        return ""
    amount, unit = limit
    return f"{amount.normalize():f} {TimeUnit(unit).label}"


@dataclass(frozen=True)
class Suspension:
    """Why a case is suspended (挂账) and who may resume it, for every card and list."""

    reason: str
    by: str
    at: datetime | None
    resumed_by: str  # the roles that may resume (挂账恢复), in words


def _resume_roles() -> str:
    roles = [Role(r).label for r in Role.values if r in MOVE_ROLES[CaseAction.RESUME]]
    return "、".join(str(r) for r in roles if r != Role.ADMIN.label)


def annotate_suspensions(cases: Sequence[Case]) -> list[Case]:
    """Set ``case.suspension`` (None unless suspended) from each suspended case's last 挂账
    event: one query for the page."""
    suspended = [c for c in cases if c.status == CaseStatus.SUSPENDED]
    last: dict[int, CaseEvent] = {}
    if suspended:
        events = CaseEvent.objects.filter(
            case_id__in=[c.pk for c in suspended], action=CaseAction.SUSPEND
        ).select_related("actor")
        for event in events.order_by("at", "pk"):
            last[event.case_id] = event
    who = _resume_roles() if suspended else ""
    for case in cases:
        case.suspension = None
        if case.status != CaseStatus.SUSPENDED:
            continue
        event = last.get(case.pk)
        case.suspension = Suspension(
            reason=event.reason if event else "",
            by=_who(event) if event else "",
            at=event.at if event else None,
            resumed_by=who,
        )
    return list(cases)


# Before-photos a phone card shows (the rest are on the case page).
CARD_PHOTOS = 3


def _card_photos(case_ids: Sequence[int], kind: str, *, latest: bool) -> dict[int, list[Evidence]]:
    result: dict[int, list[Evidence]] = {}
    rows = Evidence.objects.filter(case_id__in=list(case_ids), kind=kind)
    order = ("case_id", "-taken_at", "-pk") if latest else ("case_id", "taken_at", "pk")
    for evidence in rows.order_by(*order):
        photos = result.setdefault(evidence.case_id, [])
        if len(photos) < CARD_PHOTOS:
            photos.append(evidence)
    if latest:
        for photos in result.values():
            photos.reverse()
    return result


def before_photos(case_ids: Sequence[int]) -> dict[int, list[Evidence]]:
    """The first ``CARD_PHOTOS`` before-photos (处置前: the reporter's, the inspector's) of each
    case, for phone cards: one query for the page."""
    return _card_photos(case_ids, EvidenceKind.BEFORE, latest=False)


def after_photos(case_ids: Sequence[int]) -> dict[int, list[Evidence]]:
    """The last ``CARD_PHOTOS`` after-photos (处置后) of each case: what the latest disposal
    shows, for the inspector's check beside the before-photos. One query for the page."""
    return _card_photos(case_ids, EvidenceKind.AFTER, latest=True)


def card_map(case: Case) -> dict | None:
    """What a card's small map draws: the point, else the unit grid; None without either."""
    if case.lon is None and not case.grid_id:
        return None
    return {
        "lon": case.lon,
        "lat": case.lat,
        "grid": case.grid.polygon if case.grid_id and case.lon is None else None,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
    }
