"""The demo city's routing (派遣规则), joint scenarios (一件事) and escalation rules, as data.

Written through ``dispatch.services.config_save`` by the administrator, so every row has its
history entry like an admin edit. How Ningbo-style routing reads (deepest area wins, then the
more specific category; dispatch.selectors):

* city: each component/matter major class to its city unit (市政 -> 市政设施中心, 交通 -> 交通局,
  市容环卫 -> 环卫中心, 园林 -> 园林中心, 市容环境 -> 综合行政执法局, 施工 -> 住建局 ...), and the
  owner-specific subclasses to their owners (井盖 -> 水务/燃气/电力/电信, 路灯 -> 路灯所);
* district: 街面秩序, 宣传广告 -> the district's 综合行政执法局 (its street squads), 施工管理 ->
  the district's 住建局, 无证餐饮 -> the district's 市场监管局, 乱停车 -> 交警;
* street: the 属地 matters (私搭乱建, 乱堆杂物, 暴露垃圾 ...) -> the street office;
* joint scenarios per street: 餐饮油烟 (生态环境 + 市场监管 + 街道) and 娱乐场所噪音 (综合执法 +
  生态环境 + 街道);
* escalation: an overdue street task goes up after 8 working hours (or half its time), a
  district task after 16 (or all of it again).
"""

from __future__ import annotations

from decimal import Decimal

from areas.models import AdminArea, AreaLevel
from catalog.models import Category
from demo.names import CITY_CODE
from demo.roster import STREET_OFFICE_SUFFIX
from dispatch.models import EscalationRule, JointRole, JointScenario, RoutingRule
from dispatch.services import config_save
from org.models import Department, DepartmentLevel

C, E = "component", "event"

# (kind, major, subclass code, city unit suffix, note); a subclass rule has no major.
CITY_RULES: tuple[tuple[str, str, str, str, str], ...] = (
    (C, "01", "", "SZ", "市政公用设施"),
    (E, "01", "", "SZ", "市政公用设施类"),
    (C, "02", "", "JTJ", "交通设施"),
    (E, "02", "", "JTJ", "交通设施类"),
    (C, "03", "", "HW", "市容环卫设施"),
    (E, "03", "", "HW", "市容环卫设施类"),
    (C, "04", "", "YL", "园林绿化设施"),
    (E, "04", "", "YL", "园林绿化设施类"),
    (C, "05", "", "ZJJ", "其他管理部件"),
    (E, "05", "", "ZJJ", "其他管理部件类"),
    (E, "06", "", "CGJ", "市容环境类"),
    (E, "07", "", "CGJ", "宣传广告类"),
    (E, "08", "", "ZJJ", "施工管理类"),
    (E, "09", "", "CGJ", "街面秩序类"),
    (E, "10", "", "SZ", "其他事项类"),
)
# Owner (权属) and maintenance units of single subclasses, in both kinds (部件 and "部件异常").
OWNER_SUBCLASSES: dict[str, tuple[str, ...]] = {
    "WATER": ("01001", "01002", "01003", "01004", "01019", "01025", "01072", "01073"),
    "GAS": ("01011", "01021", "01049", "01057"),
    "POWER": ("01005", "01017", "01028", "01030", "01047", "01048"),
    "TELECOM": ("01007", "01009", "01027", "01031", "01062"),
    "LD": ("01006", "01037", "01038", "01039", "01060"),
    "JJ": ("02014", "02015", "02010"),
    "CGJ": ("03006", "03007"),
}
# Matters of the 市容环境 class that belong to a specialist unit rather than enforcement.
CITY_MATTERS: dict[str, tuple[str, ...]] = {
    "HW": ("06012", "06014", "06042"),
    "SZ": ("06013", "06048", "06049", "06050", "06051", "06052"),
    "YL": ("06017", "06018", "06021", "06022", "06045"),
    "SLJ": ("06024", "06025", "06026", "06046"),
    "STHJ": ("06020", "06030"),
}
# District rules: (kind, major, code, department, note); departments are named
# "district:<branch suffix>" or "city:<suffix>" (a city unit serving the district directly).
DISTRICT_RULES: tuple[tuple[str, str, str, str, str], ...] = (
    (E, "07", "", "district:CGJ", "宣传广告类 -> 区综合行政执法局"),
    (E, "08", "", "district:ZJJ", "施工管理类 -> 区住建局"),
    (E, "09", "", "district:CGJ", "街面秩序类 -> 区综合行政执法局（街道中队）"),
    (E, "", "09009", "city:JJ", "机动车乱停放 -> 交警"),
    (E, "", "09015", "district:SCJG", "无证餐饮 -> 区市场监管局"),
    (E, "", "09020", "district:SCJG", "农贸市场秩序 -> 区市场监管局"),
)
# 属地 matters the street office handles itself.
STREET_MATTERS = (
    "06001",
    "06005",
    "06007",
    "06010",
    "06011",
    "06019",
    "06034",
    "06035",
    "06036",
    "06038",
    "06040",
    "06041",
    "09010",
    "09011",
)
# Joint scenarios per street: (name, categories, lead, co-departments); departments are
# "city:<suffix>", "district:<suffix>" or "street".
SCENARIOS = (
    ("餐饮油烟", ("06027", "06029"), "city:STHJ", ("district:SCJG", "street")),
    ("娱乐场所噪音", ("06028",), "district:CGJ", ("city:STHJ", "street")),
)
# from level -> (working hours past the deadline, percent of the allowed time past it)
ESCALATION = {
    DepartmentLevel.STREET: (Decimal("8"), 50),
    DepartmentLevel.DISTRICT: (Decimal("16"), 100),
}


class _Units:
    """Departments by code, and the codes the tables above name."""

    def __init__(self) -> None:
        self.by_code = {d.code: d for d in Department.objects.all()}

    def get(
        self, ref: str, *, district: AdminArea | None = None, street: AdminArea | None = None
    ) -> Department:
        """``city:<suffix>``, ``district:<suffix>`` (of ``district``) or ``street`` (its office)."""
        if ref == "street":
            return self.by_code[f"{street.code}-{STREET_OFFICE_SUFFIX}"]
        scope, _sep, suffix = ref.partition(":")
        owner = CITY_CODE if scope == "city" else district.code
        return self.by_code[f"{owner}-{suffix}"]


def seed_routing(*, actor) -> dict[str, int]:
    """Create the rules, scenarios and escalation rules (counts returned)."""
    units = _Units()
    categories = {(c.kind, c.code): c for c in Category.objects.filter(is_active=True)}
    city = AdminArea.objects.get(code=CITY_CODE)
    districts = list(AdminArea.objects.filter(parent=city).order_by("code"))
    streets = list(
        AdminArea.objects.filter(level=AreaLevel.STREET, parent__in=districts)
        .select_related("parent")
        .order_by("code")
    )
    counts = {"rules": 0, "scenarios": 0, "escalation_rules": 0}

    def rule(area, department, *, kind, major="", code="", note="") -> None:
        category = categories.get((kind, code)) if code else None
        if code and category is None:
            return  # a local catalogue without this subclass: nothing to route
        config_save(
            obj=RoutingRule(
                area=area,
                department=department,
                category=category,
                category_kind="" if category else kind,
                category_major="" if category else major,
                role=JointRole.LEAD,
                note=note,
            ),
            actor=actor,
        )
        counts["rules"] += 1

    for kind, major, code, suffix, note in CITY_RULES:
        rule(city, units.get(f"city:{suffix}"), kind=kind, major=major, code=code, note=note)
    for suffix, codes in OWNER_SUBCLASSES.items():
        for code in codes:
            for kind in (C, E):
                rule(city, units.get(f"city:{suffix}"), kind=kind, code=code, note="权属/养护单位")
    for suffix, codes in CITY_MATTERS.items():
        for code in codes:
            rule(city, units.get(f"city:{suffix}"), kind=E, code=code, note="专业部门")
    for district in districts:
        for kind, major, code, ref, note in DISTRICT_RULES:
            department = units.get(ref, district=district)
            rule(district, department, kind=kind, major=major, code=code, note=note)
    for street in streets:
        office = units.get("street", street=street)
        for code in STREET_MATTERS:
            rule(street, office, kind=E, code=code, note="属地管理")
        for name, codes, lead_ref, co_refs in SCENARIOS:
            found = [categories[(E, code)] for code in codes if (E, code) in categories]
            if not found:
                continue
            where = {"district": street.parent, "street": street}
            scenario = JointScenario(
                name=f"{name}一件事（{street.name}）",
                area=street,
                lead_department=units.get(lead_ref, **where),
                note=f"{name}: 牵头 + 协办, 一次派遣",
            )
            config_save(
                obj=scenario,
                actor=actor,
                m2m={
                    "categories": found,
                    "co_departments": [units.get(ref, **where) for ref in co_refs],
                },
            )
            counts["scenarios"] += 1
    for level, (hours, percent) in ESCALATION.items():
        if EscalationRule.objects.filter(from_level=level).exists():
            continue  # an operator's own rule stays as it is
        config_save(
            obj=EscalationRule(
                from_level=level, after_hours=hours, after_percent=percent, note="CityOps demo"
            ),
            actor=actor,
        )
        counts["escalation_rules"] += 1
    return counts
