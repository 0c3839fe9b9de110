"""A scheme per post to start from (references/standards.md §4.1, the Unicom position schemes):

- 监督员: 有效上报率 x40 + (1 - 漏报率) x20 + 按时核实率 x20 + 按时核查率 x20 (Unicom's weights).
- 受理员: 受理数 in Unicom's bands (> 2000: 100, 1201-2000: 90, 501-1200: 75, 301-500: 60) x25;
  Unicom's other 75 points weigh 核实/核查 按时派发率, which CityOps does not have (the desk does
  not hand out verifications: a report asks for one itself), so 有效受理率 takes them.
- 值班长: 按时立案率 x25 + 准确立案率 x40 + 按时结案率 x35 (Unicom's weights).
- 派遣员: 按时派遣率 x50 + 准确派遣率 x50 (Unicom adds a 派遣数 score x20 without saying its bands).
- 处置人员: 按时处置率 x50 + (1 - 返工率) x50 (no source; the department scheme's two main rates).
"""

from django.db import migrations

ACCEPTED_BANDS = {"at_least": [[2001, 100], [1201, 90], [501, 75], [301, 60]]}
SCHEMES = [
    (
        "inspector",
        "监督员评价 (默认)",
        [
            ("valid_report_rate", 40, "linear", {}),
            ("missed_rate", 20, "linear", {}),
            ("verify_on_time_rate", 20, "linear", {}),
            ("check_on_time_rate", 20, "linear", {}),
        ],
    ),
    (
        "acceptor",
        "受理员评价 (默认)",
        [("accepted", 25, "bands", ACCEPTED_BANDS), ("valid_accept_rate", 75, "linear", {})],
    ),
    (
        "shift_leader",
        "值班长评价 (默认)",
        [
            ("file_on_time_rate", 25, "linear", {}),
            ("file_accuracy_rate", 40, "linear", {}),
            ("close_on_time_rate", 35, "linear", {}),
        ],
    ),
    (
        "dispatcher",
        "派遣员评价 (默认)",
        [("dispatch_on_time_rate", 50, "linear", {}), ("dispatch_accuracy_rate", 50, "linear", {})],
    ),
    (
        "disposer",
        "处置人员评价 (默认)",
        [("dispose_on_time_rate", 50, "linear", {}), ("dispose_rework_rate", 50, "linear", {})],
    ),
]


def add(apps, schema_editor):
    Scheme = apps.get_model("evaluation", "Scheme")
    Item = apps.get_model("evaluation", "SchemeItem")
    for object_type, name, items in SCHEMES:
        scheme = Scheme.objects.create(name=name, object_type=object_type, is_active=True)
        Item.objects.bulk_create(
            Item(scheme=scheme, indicator=key, weight=weight, rule=rule, params=params, position=i)
            for i, (key, weight, rule, params) in enumerate(items)
        )


def remove(apps, schema_editor):
    apps.get_model("evaluation", "Scheme").objects.filter(
        name__in=[name for _type, name, _items in SCHEMES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0008_posts")]
    operations = [migrations.RunPython(add, remove)]
