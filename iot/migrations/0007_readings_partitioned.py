"""Readings at scale (issue 15): on PostgreSQL the readings table becomes partitioned by month
of ``ts`` (iot.partitions), every row kept; SQLite keeps its one table. The Django model is
unchanged (``id`` stays its primary key; the database's is (id, ts))."""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from iot import partitions

    with schema_editor.connection.cursor() as cursor:
        partitions.partition_table(cursor)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from iot import partitions

    with schema_editor.connection.cursor() as cursor:
        partitions.unpartition_table(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("iot", "0006_device_component"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
