"""Every case gets the intake report that opened it (受理记录).

Until every channel went through ``intake.services.receive_report`` (the one door), a case
reported directly by staff (the inspector's phone page, ``POST /api/v1/cases``) had no intake
row and was given one on first need (the former ``intake.services.own_report``). This makes the
missing rows once, from what each case says of its report and reporter. A case merged away
(合并) gets none: its reports count toward the case it was merged into.
"""

from __future__ import annotations

from django.db import migrations

BATCH = 2000


def report_row(IntakeReport, case):
    """The opener row of ``case``, as ``receive_report`` would have left it."""
    return IntakeReport(
        source=case.source,
        external_id="",
        outcome="created",
        case_id=case.pk,
        description=case.description,
        category_id=case.category_id,
        priority=case.priority,
        trusted=case.trusted,
        lon=case.lon,
        lat=case.lat,
        grid_id=case.grid_id,
        area_id=case.area_id,
        address=case.address,
        reporter_name=case.reporter_name,
        reporter_phone=case.reporter_phone,
        reporter_email=case.reporter_email,
        payload={"from_case": case.number},
        received_at=case.reported_at or case.created_at,
        received_by_id=case.reported_by_id,
    )


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    IntakeReport = apps.get_model("intake", "IntakeReport")
    MergeRecord = apps.get_model("intake", "MergeRecord")
    opened = IntakeReport.objects.filter(case__isnull=False, duplicate_of__isnull=True)
    merged_away = MergeRecord.objects.filter(kind="merge")
    missing = (
        Case.objects.exclude(pk__in=opened.values("case_id"))
        .exclude(pk__in=merged_away.values("case_id"))
        .order_by("pk")
    )
    batch = []
    for case in missing.iterator(chunk_size=BATCH):
        batch.append(report_row(IntakeReport, case))
        if len(batch) == BATCH:
            IntakeReport.objects.bulk_create(batch)
            batch = []
    if batch:
        IntakeReport.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_supervision_reply"),
        ("intake", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
