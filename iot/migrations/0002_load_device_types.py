"""Seed the starter device types and their default alarm rules (iot/device_types.py).

Same loader as ``manage.py load_device_types``, on historical models; categories come from
catalog 0003, so the rules that open cases are linked on a fresh ``migrate``.
"""

from django.db import migrations


def load(apps, schema_editor):
    from iot import device_types

    device_types.load(
        device_type_model=apps.get_model("iot", "DeviceType"),
        rule_model=apps.get_model("iot", "AlarmRule"),
        category_model=apps.get_model("catalog", "Category"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("iot", "0001_initial"),
        ("catalog", "0003_load_catalog"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
