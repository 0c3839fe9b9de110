"""Load the GB/T 47678.5-2026 directory, citizen plain names and the starter filing standards.

Runs the same loaders as ``manage.py load_catalog`` / ``import_standards`` against historical
models, so a fresh ``migrate`` has a working catalogue. The loaders only write fields that
exist at this migration; reversing leaves the rows (0001 drops the tables anyway).
"""

from django.db import migrations


def load(apps, schema_editor):
    from catalog import services

    services.load_categories(apps=apps)
    services.load_plain_names(apps=apps)
    services.import_standards(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_filingstandard_source"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
