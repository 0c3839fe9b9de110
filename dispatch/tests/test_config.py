"""Routing config as data with history: services, admin and the CSV import all leave one
RoutingHistory row per change (who, when, before/after), or nothing at all on bad input."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.errors import PermissionDenied, ValidationFailed
from dispatch import services
from dispatch.models import ConfigAction, JointScenario, RoutingHistory, RoutingRule
from org.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def history(obj) -> list[tuple[str, str | None]]:
    rows = RoutingHistory.objects.filter(model=obj._meta.model_name, object_id=obj.pk)
    return list(rows.order_by("pk").values_list("action", "actor__username"))


class TestServices:
    def test_create_change_delete_each_leave_before_and_after(self, units, category, staff):
        admin = staff["admin"]
        rule = services.rule_create(
            actor=admin,
            area_code="330203001",
            department_code="CITY-ROADS",
            category_kind=category.kind,
            category_code=category.code,
        )
        rule.priority = 7
        services.config_save(obj=rule, actor=admin)
        services.config_save(obj=rule, actor=admin)  # unchanged: no row
        pk = rule.pk
        services.config_delete(obj=rule, actor=admin)
        assert not RoutingRule.objects.filter(pk=pk).exists()
        rows = list(RoutingHistory.objects.filter(object_id=pk).order_by("pk"))
        assert [r.action for r in rows] == [
            ConfigAction.CREATE,
            ConfigAction.UPDATE,
            ConfigAction.DELETE,
        ]
        create, update, delete = rows
        assert create.before is None and create.after["department"]["label"] == "City roads bureau"
        assert (update.before["priority"], update.after["priority"]) == (0, 7)
        assert delete.before["priority"] == 7 and delete.after is None
        assert {r.actor for r in rows} == {admin}

    def test_only_administrators_change_rules(self, units, staff):
        with pytest.raises(PermissionDenied):
            services.rule_create(
                actor=staff["city_dispatcher"], area_code="330203", department_code="CITY-ROADS"
            )
        assert not RoutingRule.objects.exists() and not RoutingHistory.objects.exists()

    @pytest.mark.parametrize(
        ("codes", "field"),
        [
            ({"area_code": "999999"}, "area_code"),
            ({"department_code": "NOPE"}, "department_code"),
            ({"category_kind": "event", "category_code": "12345"}, "category_code"),
            ({"category_code": "99001"}, "category_kind"),
            ({"role": "boss"}, "role"),
        ],
    )
    def test_an_unknown_code_names_its_field(self, units, category, staff, codes, field):
        args = {"area_code": "330203", "department_code": "CITY-ROADS", **codes}
        with pytest.raises(ValidationFailed) as err:
            services.rule_create(actor=staff["admin"], **args)
        assert err.value.details["field"] == field

    def test_a_rule_that_ends_before_it_starts_is_refused(self, units, staff):
        from datetime import date

        with pytest.raises(ValidationFailed) as err:
            services.rule_create(
                actor=staff["admin"],
                area_code="330203",
                department_code="CITY-ROADS",
                valid_from=date(2026, 5, 1),
                valid_to=date(2026, 4, 1),
            )
        assert "valid to" in err.value.message

    def test_a_scenario_needs_categories_and_a_lead_outside_its_co_departments(
        self, units, small_city, category, staff
    ):
        scenario = JointScenario(name="餐饮油烟", area=small_city.east, lead_department=units.env)
        with pytest.raises(ValidationFailed):
            services.config_save(obj=scenario, actor=staff["admin"], m2m={"categories": []})
        with pytest.raises(ValidationFailed):
            services.config_save(
                obj=scenario,
                actor=staff["admin"],
                m2m={"categories": [category], "co_departments": [units.env]},
            )
        services.config_save(
            obj=scenario,
            actor=staff["admin"],
            m2m={"categories": [category], "co_departments": [units.roads, units.east]},
        )
        [row] = RoutingHistory.objects.filter(model="jointscenario")
        assert [d["label"] for d in row.after["co_departments"]] == [
            "City roads bureau",
            "East district office",
        ]


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, staff):
        assert client.login(username="admin", password=DEFAULT_PASSWORD)
        return client

    def test_adding_changing_and_deleting_in_the_admin_writes_history(
        self, admin_client, units, small_city, category
    ):
        url = reverse("admin:dispatch_routingrule_add")
        form = {
            "area": small_city.alpha.pk,
            "department": units.roads.pk,
            "role": "lead",
            "priority": 0,
            "category": category.pk,
            "category_kind": "",
            "category_major": "",
            "is_active": "on",
            "note": "",
        }
        response = admin_client.post(url, form)
        assert response.status_code == 302, response.content
        rule = RoutingRule.objects.get()
        form["priority"] = 3
        response = admin_client.post(
            reverse("admin:dispatch_routingrule_change", args=[rule.pk]), form
        )
        assert response.status_code == 302
        response = admin_client.post(
            reverse("admin:dispatch_routingrule_delete", args=[rule.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert history(rule) == [("create", "admin"), ("update", "admin"), ("delete", "admin")]
        listing = admin_client.get(
            reverse("admin:dispatch_routinghistory_changelist"),
            {"model": "routingrule", "object_id": rule.pk},
        )
        assert listing.status_code == 200 and b"3 routing config history" in listing.content

    def test_a_scenario_saved_in_the_admin_records_its_co_departments(
        self, admin_client, units, small_city, category
    ):
        response = admin_client.post(
            reverse("admin:dispatch_jointscenario_add"),
            {
                "name": "娱乐场所噪音",
                "categories": [category.pk],
                "area": small_city.city.pk,
                "lead_department": units.env.pk,
                "co_departments": [units.roads.pk],
                "priority": 0,
                "is_active": "on",
                "note": "",
            },
        )
        assert response.status_code == 302, response.content
        scenario = JointScenario.objects.get()
        assert list(scenario.co_departments.all()) == [units.roads]
        [row] = RoutingHistory.objects.filter(model="jointscenario")
        assert [d["id"] for d in row.after["co_departments"]] == [units.roads.pk]


class TestCsvImport:
    HEADER = "area_code,department_code,category_kind,category_code,category_major,role,priority\n"

    def test_all_rules_or_none_and_errors_name_the_line(self, tmp_path, units, category, staff):
        bad = tmp_path / "bad.csv"
        bad.write_text(
            self.HEADER
            + "330203001,CITY-ROADS,event,99001,,lead,0\n"
            + "330203001,NOPE,,,,lead,0\n"
            + "330203,CITY-ENV,,,,co,x\n",
            encoding="utf-8",
        )
        with pytest.raises(CommandError) as err:
            call_command("import_routing", str(bad), "--user", "admin")
        assert "Line 3: department_code" in str(err.value)
        assert "Line 4: priority" in str(err.value)
        assert not RoutingRule.objects.exists() and not RoutingHistory.objects.exists()

        good = tmp_path / "good.csv"
        good.write_text(
            self.HEADER
            + "330203001,CITY-ROADS,event,99001,,lead,0\n"
            + "330203,CITY-ENV,event,,99,co,2\n",
            encoding="utf-8",
        )
        call_command("import_routing", str(good), "--user", "admin")
        assert RoutingRule.objects.count() == 2 and RoutingHistory.objects.count() == 2

    def test_a_wrong_header_is_refused(self, tmp_path, units, staff):
        path = tmp_path / "rules.csv"
        path.write_text("area,dept\n330203,CITY-ROADS\n", encoding="utf-8")
        with pytest.raises(CommandError) as err:
            call_command("import_routing", str(path), "--user", "admin")
        assert "Line 1: missing columns area_code, department_code" in str(err.value)
