"""Who works in the demo city: departments (处置单位) and staff with known logins, as pure data.

Departments follow how Ningbo's digital city management is organised: city professional bureaus
(专业部门), city-wide owner (权属) and maintenance (养护) units, district branches of the main
bureaus, one street office (街道办事处, 属地) per street, and a city operation centre per
district and for the city: the territorial units above the streets, so a case a street office
returns has a fallback owner (兜底) and an overdue street task has a tier to escalate to.
Every department has one disposer (处置人员) so any task the demo routes can be acted on, and a
contact phone the SLA notices (督办) go to; every street has one inspector (监督员).

Usernames are the same for every seed (streets are named core-first, not by seed).
"""

from __future__ import annotations

from dataclasses import dataclass

from demo.layout import CityLayout
from demo.names import CITY_CODE, CITY_NAME, DISTRICTS

# Level/type values of org.models.DepartmentLevel / DepartmentType and roles of org.models.Role,
# spelled out so this module stays importable without Django (like demo.layout).
CITY, DISTRICT, STREET = "city", "district", "street"
PROFESSIONAL, TERRITORIAL, OWNER, MAINTENANCE = (
    "professional",
    "territorial",
    "owner",
    "maintenance",
)
ACCEPTOR, SHIFT_LEADER, DISPATCHER = "acceptor", "shift_leader", "dispatcher"
INSPECTOR, DISPOSER, LEADER, ADMIN = "inspector", "disposer", "leader", "admin"


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    short_name: str
    level: str
    type: str
    area_code: str
    parent_code: str | None
    slug: str  # the disposer's username is disposer_<slug>
    phone: str = ""  # contact phone (联系电话): where the SLA notices are texted


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    full_name: str
    department_code: str | None = None
    area_codes: tuple[str, ...] = ()
    is_superuser: bool = False


# (suffix, name, short name, type, slug) of city-wide units; all answer for the whole city.
CITY_UNITS = (
    ("CGJ", "宁波市综合行政执法局", "市城管局", PROFESSIONAL, "cgj"),
    ("ZJJ", "宁波市住房和城乡建设局", "市住建局", PROFESSIONAL, "zjj"),
    ("JTJ", "宁波市交通运输局", "市交通局", PROFESSIONAL, "jtj"),
    ("SCJG", "宁波市市场监督管理局", "市市场监管局", PROFESSIONAL, "scjg"),
    ("STHJ", "宁波市生态环境局", "市生态环境局", PROFESSIONAL, "sthj"),
    ("SLJ", "宁波市水利局", "市水利局", PROFESSIONAL, "slj"),
    ("ZGJ", "宁波市自然资源和规划局", "市资规局", PROFESSIONAL, "zgj"),
    ("JJ", "宁波市公安局交通警察局", "市交警局", PROFESSIONAL, "jj"),
    ("WATER", "宁波市供排水集团有限公司", "市水务集团", OWNER, "water"),
    ("GAS", "宁波兴光燃气集团有限公司", "兴光燃气", OWNER, "gas"),
    ("POWER", "国网宁波供电公司", "宁波供电", OWNER, "power"),
    ("TELECOM", "中国电信宁波分公司", "宁波电信", OWNER, "telecom"),
    ("SZ", "宁波市市政设施中心", "市市政中心", MAINTENANCE, "shizheng"),
    ("YL", "宁波市园林绿化养护中心", "市园林中心", MAINTENANCE, "yuanlin"),
    ("HW", "宁波市环境卫生管理中心", "市环卫中心", MAINTENANCE, "huanwei"),
    ("LD", "宁波市路灯管理所", "市路灯所", MAINTENANCE, "ludeng"),
    ("YXZX", "宁波市城市运行管理服务中心", "市城运中心", TERRITORIAL, "yunxing"),
)
# District branches: (suffix, name after the district name, short suffix, parent city unit).
DISTRICT_BRANCHES = (
    ("CGJ", "综合行政执法局", "城管局", "CGJ"),
    ("ZJJ", "住房和城乡建设局", "住建局", "ZJJ"),
    ("SCJG", "市场监督管理局", "市场监管局", "SCJG"),
)
# The district's territorial unit (区城运中心): fallback owner and escalation tier above streets.
DISTRICT_CENTRE = ("YXZX", "城市运行管理中心", "城运中心")
STREET_OFFICE_SUFFIX = "JD"
# Demo phone numbers: the Ningbo area code and a made-up exchange, numbered in roster order.
PHONE_PREFIX = "0574-8700"


def departments(layout: CityLayout) -> list[DepartmentSpec]:
    """Parents before children: city units, district branches and centres, street offices."""
    specs = _departments(layout)
    return [
        DepartmentSpec(**{**vars(spec), "phone": f"{PHONE_PREFIX}{n:04d}"})
        for n, spec in enumerate(specs, start=1)
    ]


def _departments(layout: CityLayout) -> list[DepartmentSpec]:
    specs = [
        DepartmentSpec(f"{CITY_CODE}-{suffix}", name, short, CITY, kind, CITY_CODE, None, slug)
        for suffix, name, short, kind, slug in CITY_UNITS
    ]
    for district in layout.districts:
        suffix, name, short = DISTRICT_CENTRE
        specs.append(
            DepartmentSpec(
                code=f"{district.code}-{suffix}",
                name=f"{district.name}{name}",
                short_name=f"{district.name[:2]}{short}",
                level=DISTRICT,
                type=TERRITORIAL,
                area_code=district.code,
                parent_code=None,
                slug=f"{district.slug}_{suffix.lower()}",
            )
        )
        for suffix, name, short, parent in DISTRICT_BRANCHES:
            specs.append(
                DepartmentSpec(
                    code=f"{district.code}-{suffix}",
                    name=f"{district.name}{name}",
                    short_name=f"{district.name[:2]}{short}",
                    level=DISTRICT,
                    type=PROFESSIONAL,
                    area_code=district.code,
                    parent_code=f"{CITY_CODE}-{parent}",
                    slug=f"{district.slug}_{suffix.lower()}",
                )
            )
    for street in layout.streets:
        specs.append(
            DepartmentSpec(
                code=f"{street.code}-{STREET_OFFICE_SUFFIX}",
                name=f"{street.name}办事处",
                short_name=street.name,
                level=STREET,
                type=TERRITORIAL,
                area_code=street.code,
                parent_code=None,
                slug=street.slug,
            )
        )
    return specs


def staff(layout: CityLayout) -> list[StaffSpec]:
    """Every role, city-wide and local; the command centre staff have no department."""
    city = (CITY_CODE,)
    people = [
        StaffSpec("admin", ADMIN, "系统管理员", is_superuser=True),
        StaffSpec("leader", LEADER, f"{CITY_NAME}领导", area_codes=city),
        StaffSpec("acceptor", ACCEPTOR, "市中心受理员", area_codes=city),
        StaffSpec("shift_leader", SHIFT_LEADER, "市中心值班长", area_codes=city),
        StaffSpec("dispatcher", DISPATCHER, "市中心派遣员", area_codes=city),
    ]
    for district in layout.districts:
        people.append(
            StaffSpec(
                f"dispatcher_{district.slug}",
                DISPATCHER,
                f"{district.name}派遣员",
                area_codes=(district.code,),
            )
        )
    first_streets = {district.code: _first_street(layout, district.code) for district in DISTRICTS}
    for street in layout.streets:
        office = f"{street.code}-{STREET_OFFICE_SUFFIX}"
        if street.code == first_streets[street.parent_code]:
            people.append(
                StaffSpec(
                    f"operator_{street.slug}",
                    ACCEPTOR,
                    f"{street.name}受理员",
                    department_code=office,
                    area_codes=(street.code,),
                )
            )
        people.append(
            StaffSpec(
                f"inspector_{street.slug}",
                INSPECTOR,
                f"{street.name}监督员",
                department_code=office,
                area_codes=(street.code,),
            )
        )
    for dept in departments(layout):
        people.append(
            StaffSpec(
                f"disposer_{dept.slug}",
                DISPOSER,
                f"{dept.short_name}处置人员",
                department_code=dept.code,
            )
        )
    return people


def _first_street(layout: CityLayout, district_code: str) -> str:
    return min(s.code for s in layout.streets if s.parent_code == district_code)
