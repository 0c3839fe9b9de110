"""The built-in sign tree (reference/signs.md §7.5: 5 goals, 16 groups, 58 leaves), in use."""

from django.db import migrations


def load_default(apps, schema_editor):
    from signs import tree

    models = (apps.get_model("signs", "SignTree"), apps.get_model("signs", "SignNode"))
    tree.load(tree.read(tree.DEFAULT_TREE), activate=True, models=models)


def unload_default(apps, schema_editor):
    from signs import tree

    version = tree.read(tree.DEFAULT_TREE)["version"]
    apps.get_model("signs", "SignTree").objects.filter(version=version).delete()


class Migration(migrations.Migration):
    dependencies = [("signs", "0001_initial")]

    operations = [migrations.RunPython(load_default, unload_default)]
