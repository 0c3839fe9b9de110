"""Ingest speed (bench/ingest): Reading.device without a database FK or its own index, and
room on the pages of the latest-value and device tables for in-place (HOT) updates."""

import django.db.models.deletion
from django.db import migrations, models

# PostgreSQL rewrites a row on every batch that touches its (device, metric), and a device's row
# when its battery, last seen or online flag moves; with free room on its page the new version
# stays there and no index is touched (a HOT update: the device table has eleven indexes).
FILLFACTOR = {"DeviceMetricState": 50, "Device": 70}


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, value in FILLFACTOR.items():
        table = apps.get_model("iot", model)._meta.db_table
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in FILLFACTOR:
        table = apps.get_model("iot", model)._meta.db_table
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("iot", "0004_load_tracker_types"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reading",
            name="device",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="iot.device",
                verbose_name="device",
            ),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
