"""Load the tracker device types (vehicle GPS, worker badge) and their track rules."""

from django.db import migrations


def forwards(apps, schema_editor):
    from iot.tracking.device_types import load

    load(
        device_type_model=apps.get_model("iot", "DeviceType"),
        rule_model=apps.get_model("iot", "AlarmRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("iot", "0003_tracking")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
