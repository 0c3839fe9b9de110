"""Quarter rollup rows (evaluation.rollups: a quarter is one row per key, and the overdue
backlog before a cutoff reads whole quarters). An existing install gets them from its month
rows here, summed on the server. Workers still running the old code while this migrates write
months without quarters: run ``manage.py evaluation_reconcile --rollups`` after the deploy
(the nightly reconciliation does it too) to add what they wrote meanwhile."""

from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncQuarter

# The rollup tables and their keys (evaluation.rollups.DEPARTMENTS / REGIONS / CATEGORIES).
KEYED = {
    "DepartmentRollup": ("department_id", "category_kind"),
    "RegionRollup": ("area_path", "category_kind", "source"),
    "CategoryRollup": ("area_path", "category_kind", "category_id"),
}
BATCH = 5_000


def add_quarters(apps, schema_editor):
    """Every rollup table's quarter rows: the sums of its month rows by quarter and key (a
    count's quarter row is written with its month's from now on)."""
    for name, keys in KEYED.items():
        model = apps.get_model("evaluation", name)
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in ("id", "grain", "day", *keys)
        ]
        sums = (
            model.objects.filter(grain="m")
            .annotate(quarter=TruncQuarter("day"))
            .values("quarter", *keys)
            .annotate(**{f"sum_{c}": Sum(c) for c in columns})
            .order_by()
        )
        model.objects.filter(grain="q").delete()
        rows = (
            model(
                grain="q",
                day=row["quarter"],
                **{k: row[k] for k in keys},
                **{c: row[f"sum_{c}"] for c in columns},
            )  # fmt: skip
            for row in sums.iterator(chunk_size=BATCH)
        )
        model.objects.bulk_create(rows, batch_size=BATCH)


def remove_quarters(apps, schema_editor):
    for name in KEYED:
        apps.get_model("evaluation", name).objects.filter(grain="q").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0013_categoryrollup_path_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="categoryrollup",
            name="grain",
            field=models.CharField(
                choices=[("d", "Day"), ("m", "Month"), ("q", "Quarter"), ("y", "Year")],
                max_length=1,
                verbose_name="grain",
            ),
        ),
        migrations.AlterField(
            model_name="departmentrollup",
            name="grain",
            field=models.CharField(
                choices=[("d", "Day"), ("m", "Month"), ("q", "Quarter"), ("y", "Year")],
                max_length=1,
                verbose_name="grain",
            ),
        ),
        migrations.AlterField(
            model_name="regionrollup",
            name="grain",
            field=models.CharField(
                choices=[("d", "Day"), ("m", "Month"), ("q", "Quarter"), ("y", "Year")],
                max_length=1,
                verbose_name="grain",
            ),
        ),
        migrations.RunPython(add_quarters, remove_quarters),
    ]
