"""The bulk path of ``seed_demo``: old straight-through cases as one history file for the
hotline historical import (``hotline.services.import_file(historical=True)``).

A row holds the whole life of a case that went straight through (or was voided on site): the
same delays as the live path (``demo.story``), the department routing would pick, and the
deadline the filing standard gives. Cases with a twist, joint cases and anything not finished
well before now go through the services instead.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.utils import timezone

from areas.models import AreaLevel
from cases import sla
from cases.models import Case
from cases.states import CaseStatus, Priority
from catalog.models import Category, FilingStandard
from demo import story
from demo.arrivals import Arrival
from demo.mover import later, pick_standard
from demo.places import GridPlace
from dispatch.models import JointScenario, RoutingRule
from dispatch.selectors import plan_route

BULK_AFTER = timedelta(days=4)  # straight-through cases finished before this go in bulk
HISTORY_FILE = "demo-history.csv"
BELOW_DISTRICT = (AreaLevel.STREET, AreaLevel.COMMUNITY)


class BulkRoutes:
    """Where routing (dispatch.selectors.plan_route) sends a category's case in a street.

    Asked once per street and category, or once per district when no rule or joint scenario
    below the districts can match the category and the answer is not the fallback owner (a
    street's own office): routing is then the same in every street of the district. The demo's
    rules stop at streets; a history row is only ever a straight-through case.
    """

    def __init__(self) -> None:
        self._plans: dict[tuple[str, int], object] = {}
        below = RoutingRule.objects.filter(is_active=True, area__level__in=BELOW_DISTRICT)
        self._anything_below = below.filter(category__isnull=True, category_major="").exists()
        self._categories = set(below.values_list("category_id", flat=True))
        self._categories |= set(
            JointScenario.objects.filter(
                is_active=True, area__level__in=BELOW_DISTRICT
            ).values_list("categories", flat=True)
        )
        self._majors = set(below.values_list("category_kind", "category_major"))

    def _local(self, category: Category) -> bool:
        return (
            self._anything_below
            or category.pk in self._categories
            or (category.kind, category.major_code) in self._majors
        )

    def _plan(self, key: tuple[str, int], grid: GridPlace, category: Category, day):
        if key not in self._plans:
            self._plans[key] = plan_route(Case(area_path=grid.path, category=category), day=day)
        return self._plans[key]

    def lead(self, grid: GridPlace, category: Category, day) -> str | None:
        plan = None
        if not self._local(category):
            plan = self._plan((grid.district_code, category.pk), grid, category, day)
        if plan is None or plan.is_fallback:
            plan = self._plan((grid.street_code, category.pk), grid, category, day)
        return None if plan.co else plan.lead.code  # a joint case needs the services


HEADER = (
    "工单编号 来源 状态 分类代码 立案标准 诉求内容 地址 经度 纬度 紧急程度 来电人 联系电话 处置部门代码 "
    "来电时间 核实时间 立案时间 派遣时间 接收时间 处置时间 核查开始时间 核查通过时间 结案时间 作废时间 "
    "作废原因 处置情况 结案意见"
).split()
TIME_COLUMNS = {
    "reported_at": "来电时间",
    "verified_at": "核实时间",
    "filed_at": "立案时间",
    "dispatched_at": "派遣时间",
    "accepted_at": "接收时间",
    "disposed_at": "处置时间",
    "check_started_at": "核查开始时间",
    "check_passed_at": "核查通过时间",
    "closed_at": "结案时间",
    "voided_at": "作废时间",
}


def history_row(
    arrival: Arrival, *, routes: BulkRoutes, standards: list[FilingStandard], cutoff: datetime
) -> list[str] | None:
    """The arrival's whole (straight-through) life as a history row, or None when it must go
    through the services (a twist, a joint case, or not finished before ``cutoff``)."""
    t = arrival.temperament
    if not t.simple or not standards:
        return None
    rng = random.Random(f"{arrival.key}:timeline")
    times = {"reported_at": arrival.at}
    moment = arrival.at

    def step(name: str, kind: str, at: datetime | None = None) -> None:
        nonlocal moment
        target = at if at is not None else moment + story.wait(rng, kind)
        moment = later(story.office(target, rng), moment)
        times[name] = moment

    standard = pick_standard(rng, standards)
    values = {"状态": CaseStatus.CLOSED, "作废原因": "", "处置部门代码": ""}
    if not arrival.trusted:
        step("verified_at", "verify")
        if t.void:
            step("voided_at", "void")
            values.update({"状态": CaseStatus.VOIDED, "作废原因": "现场核实无此问题，作废处理"})
    if "voided_at" not in times:
        step("filed_at", "file")
        step("dispatched_at", "route")
        lead = routes.lead(arrival.grid, standard.category, timezone.localdate(moment))
        if lead is None:
            return None
        started = moment
        step("accepted_at", "accept")
        deadline = sla.deadline_for(
            standard, arrival.grid.area_class, started, urgent=arrival.priority == Priority.URGENT
        )
        share = story.dispose_share(rng, t)
        step(
            "disposed_at",
            "",
            at=max(started + (deadline - started) * share, moment + story.MIN_WORK),
        )
        step("check_started_at", "start_check")
        step("check_passed_at", "check")
        step("closed_at", "close")
        values.update(
            {"处置部门代码": lead, "处置情况": "已按要求处置完毕", "结案意见": "核查通过，予以结案"}
        )
    if moment > cutoff:
        return None
    name, phone = arrival.reporter
    values.update(
        {
            "工单编号": arrival.key,
            "来源": arrival.source,
            "分类代码": standard.category.code,
            "立案标准": standard.code if "filed_at" in times else "",
            "诉求内容": arrival.description,
            "地址": arrival.address,
            "经度": f"{arrival.lon:.6f}",
            "纬度": f"{arrival.lat:.6f}",
            "紧急程度": arrival.priority,
            "来电人": name,
            "联系电话": phone,
        }
    )
    for name_, column in TIME_COLUMNS.items():
        values[column] = times[name_].isoformat() if name_ in times else ""
    return [str(values.get(column, "")) for column in HEADER]


def bulk_importer():
    """``hotline.services.import_file``, or None without the hotline app (then every case goes
    through the services)."""
    if not apps.is_installed("hotline"):
        return None
    from hotline.services import import_file

    return import_file


@dataclass
class Imported:
    created: int
    rejected: int
    problems: list[str]


def import_history(rows: list[list[str]], import_file) -> Imported:
    """Write the rows as one history file and import it; what was created and what refused."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / HISTORY_FILE
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(rows)
        run = import_file(path=path, historical=True)
    problems = [f"{HISTORY_FILE}: {run.error}"] if run.error else []
    problems += [
        f"{HISTORY_FILE} line {line}: {reason}"
        for line, reason in run.rejections.values_list("line", "reason")[:3]
    ]
    return Imported(created=run.created, rejected=run.rejected, problems=problems)
