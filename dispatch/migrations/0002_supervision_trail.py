"""Put the supervision written before the trail had it on the cases' trails (CaseEvent).

From now on the SLA scanner and ``dispatch.services.supervise`` write the event themselves; the
case page shows supervision only through the trail, so the older Supervision rows and downward
LightFlip rows are copied once, marked ``"backfilled": true`` in ``data``. The case status at
the time is not stored anywhere: the scanner only acts on dispatched cases, so ``dispatched`` is
recorded (a 督办 by hand on a suspended case reads as dispatched).
"""

from __future__ import annotations

from django.db import migrations

KIND_ACTION = {
    "reminder": "sla_warning",
    "supervise": "sla_overdue",
    "escalate": "escalate",
    "manual": "supervise",
}
RANK = {"green": 0, "yellow": 1, "red": 2}
BATCH = 1000
DISPATCHED = "dispatched"


def _flip_facts(flip) -> dict:
    return {
        "light": flip.to_light,
        "from_light": flip.from_light,
        "share": str(flip.share),
        "deadline_at": flip.deadline_at.isoformat(),
    }


def _event(CaseEvent, *, case_id, task_id, actor_id, at, action, note, data):
    return CaseEvent(
        case_id=case_id,
        task_id=task_id,
        actor_id=actor_id,
        at=at,
        action=action,
        from_status=DISPATCHED,
        to_status=DISPATCHED,
        note=note,
        data={**data, "backfilled": True},
    )


def _supervision_events(CaseEvent, LightFlip, chunk) -> list:
    # A flip up and its notice share the task and the instant.
    flips = {
        (f.task_id, f.at): f
        for f in LightFlip.objects.filter(task_id__in={s.task_id for s in chunk if s.task_id})
    }
    rows = []
    for s in chunk:
        data = {
            "task": s.task_id,
            "supervision": s.pk,
            "kind": s.kind,
            "level": s.level,
            "to_department": {"code": s.to_department.code, "name": s.to_department.name},
            "recipients": len(s.recipients or []),
        }
        flip = flips.get((s.task_id, s.sent_at))
        if s.kind in ("reminder", "supervise") and flip is not None:
            data.update(_flip_facts(flip))
        elif s.kind == "escalate":
            data["light"] = "red"
        rows.append(
            _event(
                CaseEvent,
                case_id=s.case_id,
                task_id=s.task_id,
                actor_id=s.actor_id,
                at=s.sent_at,
                action=KIND_ACTION[s.kind],
                note=s.message,
                data=data,
            )
        )
    return rows


def backfill(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Supervision = apps.get_model("dispatch", "Supervision")
    LightFlip = apps.get_model("dispatch", "LightFlip")
    chunk = []
    for s in Supervision.objects.select_related("to_department").order_by("pk").iterator(BATCH):
        chunk.append(s)
        if len(chunk) == BATCH:
            CaseEvent.objects.bulk_create(_supervision_events(CaseEvent, LightFlip, chunk))
            chunk = []
    if chunk:
        CaseEvent.objects.bulk_create(_supervision_events(CaseEvent, LightFlip, chunk))
    downs = []
    for flip in LightFlip.objects.order_by("pk").iterator(BATCH):
        if RANK[flip.to_light] >= RANK[flip.from_light]:
            continue  # a flip up is on the trail with its notice (above)
        downs.append(
            _event(
                CaseEvent,
                case_id=flip.case_id,
                task_id=flip.task_id,
                actor_id=None,
                at=flip.at,
                action="sla_cleared",
                note="",
                data={"task": flip.task_id, **_flip_facts(flip)},
            )
        )
        if len(downs) == BATCH:
            CaseEvent.objects.bulk_create(downs)
            downs = []
    CaseEvent.objects.bulk_create(downs)


def unfill(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseEvent._base_manager.filter(action__in=[*KIND_ACTION.values(), "sla_cleared"]).filter(
        data__backfilled=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_caseevent_supervision_actions"),
        ("dispatch", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, unfill)]
