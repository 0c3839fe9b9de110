"""Offer the categories citizens have words for (catalog plain_name) as Open311 services.

The service code is the category's 5-digit GB/T 47678.5 code (unique among these: the
components are 01-04, the matters 06-10); the name is the citizen's plain name, the group the
major class, the keywords the plain keywords. Operators change or add services in the admin.
"""

from django.db import migrations

KIND_LABELS = {"component": "部件", "event": "事项"}


def offer(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    Service = apps.get_model("open311", "Service")
    categories = (
        Category.objects.filter(is_active=True)
        .exclude(plain_name="")
        .order_by("kind", "code")
    )
    taken = set(Service.objects.values_list("service_code", flat=True))
    for order, category in enumerate(categories, start=1):
        if Service.objects.filter(category=category).exists():
            continue
        code = category.code
        if code in taken:  # a matter sharing its component's code (标准 §2.1): mark the kind
            code = ("E" if category.kind == "event" else "C") + code
        taken.add(code)
        keywords = ",".join(k.strip() for k in category.keywords.split("、") if k.strip())
        Service.objects.create(
            service_code=code,
            category=category,
            name=category.plain_name[:100],
            description=(
                f"{category.name}（{KIND_LABELS.get(category.kind, category.kind)} "
                f"{category.code}，{category.major_name}）"
            ),
            group=category.major_name,
            keywords=keywords[:300],
            sort_order=order,
        )


def withdraw(apps, schema_editor):
    Service = apps.get_model("open311", "Service")
    Service.objects.filter(submissions__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("open311", "0001_initial"),
        ("catalog", "0003_load_catalog"),
    ]

    operations = [
        migrations.RunPython(offer, withdraw),
    ]
