"""Two schemes to start from (references/standards.md §4.3): departments as 成都金牛区 weighs
them (日常处置率 x30 + 按期处置率 x20 + (1 - 返工率) x20 + (1 - 超期待处置率) x20 + (1 - 延期率)
x10), and regions by 结案率, 按期结案率, 返工率 and 满意率 (the Unicom region scheme's weights sum to
70 % and lack a 立案数 score, so this is a proposal a city will tune)."""

from django.db import migrations

DEPARTMENT = [
    ("disposal_rate", 30),
    ("on_time_rate", 20),
    ("rework_rate", 20),
    ("overdue_rate", 20),
    ("extension_rate", 10),
]
REGION = [
    ("closing_rate", 30),
    ("on_time_closing_rate", 40),
    ("rework_rate", 15),
    ("satisfaction_rate", 15),
]


def add(apps, schema_editor):
    Scheme = apps.get_model("evaluation", "Scheme")
    Item = apps.get_model("evaluation", "SchemeItem")
    for object_type, name, items in (
        ("department", "专业部门月度评价 (金牛区式)", DEPARTMENT),
        ("region", "区域评价 (默认)", REGION),
    ):
        scheme = Scheme.objects.create(name=name, object_type=object_type, is_active=True)
        Item.objects.bulk_create(
            Item(scheme=scheme, indicator=key, weight=weight, rule="linear", position=i)
            for i, (key, weight) in enumerate(items)
        )


def remove(apps, schema_editor):
    apps.get_model("evaluation", "Scheme").objects.filter(
        name__in=["专业部门月度评价 (金牛区式)", "区域评价 (默认)"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0003_schemes")]
    operations = [migrations.RunPython(add, remove)]
