"""dispatch.services.route: rules pick the departments, the fallback owner (兜底) takes the rest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases import services as case_services
from cases.factories import CategoryFactory
from cases.models import CaseEvent
from cases.states import CaseStatus, TaskStatus
from core.errors import PermissionDenied, ValidationFailed
from dispatch import selectors, services
from dispatch.models import DecisionSource, JointRole, JointScenario, RoutingDecision, RoutingRule
from dispatch.tests.conftest import T0, photo

pytestmark = pytest.mark.django_db


def rule(area, department, *, category=None, role=JointRole.LEAD, **kwargs) -> RoutingRule:
    return RoutingRule.objects.create(
        area=area, department=department, category=category, role=role, **kwargs
    )


def routed(case, staff):
    return services.route(case=case, actor=staff["city_dispatcher"], now=T0)


def depts(tasks) -> list[tuple[str, bool]]:
    return [(t.department.code, t.is_lead) for t in tasks]


class TestSpecificity:
    def test_the_deepest_area_wins(self, filed, small_city, units, category, staff, beta_grid):
        c = small_city
        rule(c.city, units.roads, category=category)
        rule(c.east, units.east_roads, category=category)
        rule(c.alpha, units.alpha, category=category)
        assert depts(routed(filed(), staff)) == [("ST-ALPHA", True)]
        # Beta has no street rule: its district's rule is the most specific one.
        assert depts(routed(filed(grid=beta_grid), staff)) == [("DIST-EAST-ROADS", True)]

    def test_rules_come_without_their_areas_outlines(self, filed, small_city, units, category):
        """Routing reads area paths only: an official outline (thousands of points) is not
        parsed once per candidate rule, scenario or fallback owner."""
        rule(small_city.city, units.roads, category=category)
        case = filed()
        [found] = selectors.matching_rules(case, day=T0.date())
        assert "boundary" in found.area.get_deferred_fields()
        owner = selectors.fallback_owner(case)
        assert owner is not None and "boundary" in owner.area.get_deferred_fields()

    def test_a_subclass_rule_beats_a_major_class_rule_beats_any(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        rule(c.east, units.env)  # any category
        rule(c.east, units.roads, category_kind=category.kind, category_major="99")
        assert depts(routed(filed(), staff)) == [("CITY-ROADS", True)]
        rule(c.east, units.east_roads, category=category)
        assert depts(routed(filed(), staff)) == [("DIST-EAST-ROADS", True)]

    def test_then_priority_then_the_newest_rule(self, filed, small_city, units, category, staff):
        c = small_city
        rule(c.east, units.roads, category=category, priority=5)
        rule(c.east, units.env, category=category)
        assert depts(routed(filed(), staff)) == [("CITY-ROADS", True)]
        rule(c.east, units.east_roads, category=category, priority=5)
        assert depts(routed(filed(), staff)) == [("DIST-EAST-ROADS", True)]

    def test_a_rule_outside_its_dates_or_inactive_does_not_count(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        today = T0.date()
        rule(c.alpha, units.env, category=category, valid_to=today - timedelta(days=1))
        rule(c.alpha, units.east_roads, category=category, valid_from=today + timedelta(days=1))
        rule(c.alpha, units.beta, category=category, is_active=False)
        rule(c.city, units.roads, category=category, valid_from=date(2026, 1, 1))
        assert depts(routed(filed(), staff)) == [("CITY-ROADS", True)]

    def test_another_category_rule_does_not_match(self, filed, small_city, units, staff):
        rule(small_city.alpha, units.roads, category=CategoryFactory(code="99002"))
        plan = selectors.suggest_departments(filed(), day=T0.date())
        assert plan.source == DecisionSource.NO_RULE


class TestJointCases:
    def test_co_rules_add_co_handlers_after_the_lead(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        rule(c.alpha, units.roads, category=category)
        rule(c.alpha, units.env, category=category, role=JointRole.CO)
        rule(c.east, units.alpha, category=category, role=JointRole.CO)  # less specific: dropped
        tasks = routed(filed(), staff)
        assert depts(tasks) == [("CITY-ROADS", True), ("CITY-ENV", False)]

    def test_a_joint_scenario_creates_the_whole_set_disposed_only_when_all_are(
        self, filed, small_city, units, category, staff
    ):
        rule(small_city.alpha, units.alpha, category=category)  # as deep: the scenario wins ties
        scenario = JointScenario.objects.create(
            name="餐饮油烟", area=small_city.alpha, lead_department=units.env
        )
        scenario.categories.set([category])
        scenario.co_departments.set([units.roads, units.alpha])
        case = filed()
        tasks = routed(case, staff)
        assert depts(tasks) == [("CITY-ENV", True), ("CITY-ROADS", False), ("ST-ALPHA", False)]
        decision = RoutingDecision.objects.get(case=case)
        assert (decision.source, decision.scenario, decision.is_fallback) == (
            DecisionSource.SCENARIO,
            scenario,
            False,
        )
        admin = staff["admin"]
        for task in tasks[:2]:
            case_services.task_accept(task=task, actor=admin, now=T0)
            case_services.task_dispose(task=task, actor=admin, photos=[photo()], now=T0)
            case.refresh_from_db()
            assert case.status == CaseStatus.DISPATCHED  # one task still open
        case_services.task_accept(task=tasks[2], actor=admin, now=T0)
        case_services.task_dispose(task=tasks[2], actor=admin, photos=[photo()], now=T0)
        case.refresh_from_db()
        assert case.status == CaseStatus.DISPOSED

    def test_a_deeper_rule_beats_a_city_wide_scenario(
        self, filed, small_city, units, category, staff
    ):
        scenario = JointScenario.objects.create(
            name="娱乐场所噪音", area=small_city.city, lead_department=units.env
        )
        scenario.categories.set([category])
        scenario.co_departments.set([units.roads])
        rule(small_city.alpha, units.alpha, category=category)
        assert depts(routed(filed(), staff)) == [("ST-ALPHA", True)]


class TestFallbackOwner:
    def test_no_rule_goes_to_the_grids_street_office_flagged(self, filed, units, staff):
        case = filed()
        tasks = routed(case, staff)
        assert depts(tasks) == [("ST-ALPHA", True)]
        decision = RoutingDecision.objects.get(case=case)
        assert decision.is_fallback and decision.source == DecisionSource.NO_RULE
        event = CaseEvent.objects.get(case=case, action="dispatch")
        assert "fallback owner" in event.note and "no routing rule" in event.note

    def test_without_a_street_office_the_district_then_the_city(
        self, filed, units, staff, beta_grid
    ):
        units.beta.is_active = False
        units.beta.save()
        assert depts(routed(filed(grid=beta_grid), staff)) == [("DIST-EAST", True)]
        units.east.is_active = False
        units.east.save()
        assert depts(routed(filed(grid=beta_grid), staff)) == [("CITY-OFFICE", True)]

    def test_a_returned_case_goes_to_the_fallback_owner_despite_the_rule(
        self, filed, small_city, units, category, staff
    ):
        rule(small_city.alpha, units.roads, category=category)
        case = filed()
        [task] = routed(case, staff)
        case_services.task_return(
            task=task, actor=staff["roads_disposer"], reason="Not a road", now=T0
        )
        case.refresh_from_db()
        assert case.needs_fallback
        tasks = routed(case, staff)
        assert depts(tasks) == [("ST-ALPHA", True)]
        decision = RoutingDecision.objects.get(case=case, round=2)
        assert decision.is_fallback and decision.source == DecisionSource.RETURNED
        case.refresh_from_db()
        assert not case.needs_fallback and case.status == CaseStatus.DISPATCHED

    def test_the_fallback_owner_that_returned_it_is_skipped_one_tier_up(self, filed, units, staff):
        case = filed()
        [task] = routed(case, staff)  # no rule: the Alpha street office
        case_services.task_return(
            task=task, actor=staff["admin"], reason="Not in our street", now=T0
        )
        case.refresh_from_db()
        assert depts(routed(case, staff)) == [("DIST-EAST", True)]
        assert task.__class__.objects.get(pk=task.pk).status == TaskStatus.RETURNED

    def test_no_owner_at_all_is_a_clear_error(self, filed, units, staff):
        for unit in (units.alpha, units.east, units.city):
            unit.is_active = False
            unit.save()
        case = filed()
        with pytest.raises(ValidationFailed) as err:
            routed(case, staff)
        assert err.value.code == "no_fallback_owner"
        assert case.number in err.value.message and "territorial" in err.value.message
        assert case.area_path in err.value.message  # where nobody answers
        case.refresh_from_db()
        assert case.status == CaseStatus.FILED


class TestSuggest:
    def test_suggest_reads_only_and_agrees_with_route(
        self, filed, small_city, units, category, staff
    ):
        rule(small_city.alpha, units.roads, category=category)
        rule(small_city.alpha, units.env, category=category, role=JointRole.CO)
        case = filed()
        plan = selectors.suggest_departments(case, day=T0.date())
        assert [d.code for d in plan.departments] == ["CITY-ROADS", "CITY-ENV"]
        assert not RoutingDecision.objects.exists()
        assert [t.department for t in routed(case, staff)] == plan.departments

    def test_route_checks_the_dispatchers_role(self, filed, units, staff):
        with pytest.raises(PermissionDenied):
            services.route(case=filed(), actor=staff["roads_disposer"], now=T0)
        assert not RoutingDecision.objects.exists()


class TestPinnedByMutants:
    """Rules of dispatch/selectors.py that single-line changes once slipped past (make mutants)."""

    def test_a_major_class_rule_beats_any_category_whichever_is_older(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        rule(c.east, units.roads, category_kind=category.kind, category_major="99")  # older
        rule(c.east, units.env)  # any category, newer: still less specific
        assert depts(routed(filed(), staff)) == [("CITY-ROADS", True)]

    def test_every_co_rule_department_joins_once(self, filed, small_city, units, category, staff):
        c = small_city
        rule(c.alpha, units.roads, category=category)
        rule(c.alpha, units.env, category=category, role=JointRole.CO)
        rule(c.alpha, units.east_roads, category=category, role=JointRole.CO)
        rule(c.alpha, units.env, category=category, role=JointRole.CO, priority=3)  # twice
        assert sorted(depts(routed(filed(), staff))) == [
            ("CITY-ENV", False),
            ("CITY-ROADS", True),
            ("DIST-EAST-ROADS", False),
        ]

    def test_a_scenario_keeps_every_co_department_but_its_lead(
        self, filed, small_city, units, category, staff
    ):
        # The lead is an older department than one co-department and is listed as co too.
        lead, newer = units.roads, units.env
        assert newer.pk > lead.pk
        scenario = JointScenario.objects.create(
            name="占道经营", area=small_city.alpha, lead_department=lead
        )
        scenario.categories.set([category])
        scenario.co_departments.set([newer, lead])
        assert depts(routed(filed(), staff)) == [("CITY-ROADS", True), ("CITY-ENV", False)]

    def test_the_deepest_scenario_wins(self, filed, small_city, units, category, staff):
        for area, lead in ((small_city.alpha, units.alpha), (small_city.city, units.env)):
            scenario = JointScenario.objects.create(
                name=f"一件事 {area.name}", area=area, lead_department=lead
            )
            scenario.categories.set([category])
        assert depts(routed(filed(), staff)) == [("ST-ALPHA", True)]

    def test_a_deeper_scenario_beats_a_shallower_rule(
        self, filed, small_city, units, category, staff
    ):
        rule(small_city.city, units.roads, category=category)
        scenario = JointScenario.objects.create(
            name="背街小巷", area=small_city.alpha, lead_department=units.alpha
        )
        scenario.categories.set([category])
        assert depts(routed(filed(), staff)) == [("ST-ALPHA", True)]

    def test_a_subclass_rule_beats_a_newer_major_class_rule(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        rule(c.east, units.east_roads, category=category)  # older, more specific
        rule(c.east, units.roads, category_kind=category.kind, category_major="99")
        assert depts(routed(filed(), staff)) == [("DIST-EAST-ROADS", True)]

    def test_co_departments_whatever_their_ids_and_never_the_lead(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        lead, older, newer = units.env, units.roads, units.east_roads
        assert older.pk < newer.pk
        rule(c.alpha, lead, category=category)
        # The co rule of the newer department first: rules are read newest first.
        rule(c.alpha, newer, category=category, role=JointRole.CO)
        rule(c.alpha, older, category=category, role=JointRole.CO)
        rule(c.alpha, lead, category=category, role=JointRole.CO)  # the lead named as co too
        assert sorted(depts(routed(filed(), staff))) == [
            ("CITY-ENV", True),
            ("CITY-ROADS", False),
            ("DIST-EAST-ROADS", False),
        ]

    def test_large_department_ids_are_compared_by_value(
        self, filed, small_city, units, category, staff
    ):
        """Ids beyond the small integers Python shares: the lead named as co is still the lead,
        a co department named twice still joins once."""
        from org.factories import DepartmentFactory

        big_lead = DepartmentFactory(pk=100_001, code="BIG-LEAD", area=small_city.city)
        big_co = DepartmentFactory(pk=100_002, code="BIG-CO", area=small_city.city)
        c = small_city
        rule(c.alpha, big_lead, category=category)
        rule(c.alpha, big_co, category=category, role=JointRole.CO)
        rule(c.alpha, big_co, category=category, role=JointRole.CO, priority=3)
        rule(c.alpha, big_lead, category=category, role=JointRole.CO)
        assert sorted(depts(routed(filed(), staff))) == [("BIG-CO", False), ("BIG-LEAD", True)]

    def test_the_rule_list_keeps_inactive_rules_unless_asked(self, small_city, units, category):
        from dispatch.selectors import rules_list

        active = rule(small_city.alpha, units.roads, category=category)
        resting = rule(small_city.alpha, units.env, category=category, is_active=False)
        assert set(rules_list()) >= {active, resting}
        assert resting not in set(rules_list(active_only=True))
        assert active in set(rules_list(active_only=True))

    def test_a_deeper_co_rule_joins_a_shallower_lead(
        self, filed, small_city, units, category, staff
    ):
        c = small_city
        rule(c.east, units.roads, category=category)  # the district names the lead
        rule(c.alpha, units.env, category=category, role=JointRole.CO)  # the street adds a co
        rule(c.city, units.east_roads, category=category, role=JointRole.CO)  # the city: no
        assert sorted(depts(routed(filed(), staff))) == [
            ("CITY-ENV", False),
            ("CITY-ROADS", True),
        ]

    def test_a_scenarios_lead_with_a_large_id_is_not_its_own_co(
        self, filed, small_city, units, category, staff
    ):
        from org.factories import DepartmentFactory

        big_lead = DepartmentFactory(pk=100_011, code="BIG-SCENARIO", area=small_city.city)
        scenario = JointScenario.objects.create(
            name="井盖一件事", area=small_city.alpha, lead_department=big_lead
        )
        scenario.categories.set([category])
        scenario.co_departments.set([big_lead, units.env])
        assert depts(routed(filed(), staff)) == [("BIG-SCENARIO", True), ("CITY-ENV", False)]


def test_area_prefixes_are_every_enclosing_path():
    from dispatch.selectors import area_prefixes

    assert area_prefixes("/a/b/c/") == ["/a/", "/a/b/", "/a/b/c/"]
    assert area_prefixes("") == []


def test_nobody_without_a_department_was_escalated_to(filed, staff):
    from dispatch.selectors import is_escalated_to

    case = filed()
    [task] = routed(case, staff)
    assert is_escalated_to(task, None) is False
