"""Who works in the demo city: enough departments, every role, an inspector per street."""

from __future__ import annotations

from collections import Counter

import pytest

from demo import roster
from demo.layout import city_layout
from org.models import DepartmentLevel, DepartmentType, Role

MIN_DEPARTMENTS = 30


@pytest.fixture(scope="module")
def layout():
    return city_layout(1)


def test_departments_cover_city_bureaus_branches_and_every_street(layout):
    departments = roster.departments(layout)
    assert len(departments) >= MIN_DEPARTMENTS
    assert len({d.code for d in departments}) == len(departments)
    kinds = Counter((d.level, d.type) for d in departments)
    assert kinds[(DepartmentLevel.CITY, DepartmentType.PROFESSIONAL)] >= 5
    assert kinds[(DepartmentLevel.CITY, DepartmentType.OWNER)] >= 1
    assert kinds[(DepartmentLevel.CITY, DepartmentType.MAINTENANCE)] >= 1
    assert kinds[(DepartmentLevel.DISTRICT, DepartmentType.PROFESSIONAL)] >= len(layout.districts)
    territorial = [d for d in departments if d.type == DepartmentType.TERRITORIAL]
    offices = {d.area_code for d in territorial if d.level == DepartmentLevel.STREET}
    assert offices == {s.code for s in layout.streets}
    # Above the streets: one centre per district and one for the city (兜底 and escalation).
    centres = {d.area_code for d in territorial if d.level != DepartmentLevel.STREET}
    assert centres == {layout.city.code} | {d.code for d in layout.districts}
    names = {d.short_name for d in departments}
    assert {"市城管局", "市住建局", "市交通局", "市市场监管局", "市生态环境局"} <= names


def test_every_department_has_its_own_contact_phone(layout):
    phones = [d.phone for d in roster.departments(layout)]
    assert all(phones) and len(set(phones)) == len(phones)


def test_parents_come_before_children(layout):
    seen: set[str] = set()
    for department in roster.departments(layout):
        assert department.parent_code is None or department.parent_code in seen
        seen.add(department.code)


def test_staff_has_every_role_with_known_usernames(layout):
    people = roster.staff(layout)
    usernames = [p.username for p in people]
    assert len(set(usernames)) == len(usernames)
    assert {p.role for p in people} == set(Role.values)
    assert {"admin", "leader", "acceptor", "shift_leader", "dispatcher"} <= set(usernames)
    admin = next(p for p in people if p.username == "admin")
    assert admin.is_superuser and admin.role == Role.ADMIN


def test_every_street_has_an_inspector_and_every_department_a_disposer(layout):
    people = roster.staff(layout)
    inspected = {p.area_codes[0] for p in people if p.role == Role.INSPECTOR}
    assert inspected == {s.code for s in layout.streets}
    assert "inspector_gulou" in {p.username for p in people}
    disposed = {p.department_code for p in people if p.role == Role.DISPOSER}
    assert disposed == {d.code for d in roster.departments(layout)}


def test_city_level_and_street_level_operators(layout):
    acceptors = [p for p in roster.staff(layout) if p.role == Role.ACCEPTOR]
    scopes = {len(p.area_codes[0]) for p in acceptors}
    assert scopes == {6, 9}  # the city (6 digits) and streets (9 digits)


def test_usernames_do_not_depend_on_the_seed(layout):
    assert [p.username for p in roster.staff(layout)] == [
        p.username for p in roster.staff(city_layout(5))
    ]
