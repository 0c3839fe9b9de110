"""Sensing pages: device list and detail (charts), alarm list with acknowledge and clear; every
page scoped to the user's areas (Alpha's inspector sees Alpha's devices, Beta's operator not)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iot.models import Alarm, AlarmAction, AlarmStatus
from iot.tests.conftest import tilt

pytestmark = pytest.mark.django_db


@pytest.fixture
def alarm(manhole) -> Alarm:
    tilt(manhole.code, (0, 2), (60, 20), (120, 25))
    return Alarm.objects.get(device=manhole)


def login(client, personas, who: str):
    client.force_login(personas[who])
    return client


class TestDevices:
    def test_the_list_shows_devices_in_scope_with_their_status(self, client, personas, manhole):
        tilt(manhole.code, (0, 2))
        page = login(client, personas, "alpha_inspector").get(reverse("iot:devices"))
        assert page.status_code == 200
        assert b'data-device="MH-0001"' in page.content
        assert "Online" in page.content.decode()

    def test_out_of_scope_devices_are_neither_listed_nor_opened(self, client, personas, manhole):
        login(client, personas, "beta_operator")
        assert b"MH-0001" not in client.get(reverse("iot:devices")).content
        assert client.get(reverse("iot:device", args=["MH-0001"])).status_code == 404

    def test_filters_by_type_and_status(self, client, personas, manhole):
        login(client, personas, "city_leader")
        url = reverse("iot:devices")
        assert b"MH-0001" in client.get(url, {"type": "manhole_cover", "status": "never"}).content
        assert b"MH-0001" not in client.get(url, {"type": "waste_bin"}).content
        assert b"MH-0001" not in client.get(url, {"status": "online"}).content

    def test_the_detail_carries_one_chart_series_per_metric(self, client, personas, manhole):
        tilt(manhole.code, (0, 2), (60, 3), (120, 4))
        page = login(client, personas, "alpha_inspector").get(
            reverse("iot:device", args=["MH-0001"])
        )
        assert page.status_code == 200
        tilt_series = next(s for s in page.context["series"] if s["metric"] == "tilt")
        assert [p[1] for p in tilt_series["points"]] == [2, 3, 4]
        assert b'id="series-data"' in page.content
        assert b"echarts.min.js" in page.content

    def test_anonymous_users_go_to_the_login_page(self, client, manhole):
        assert client.get(reverse("iot:devices")).status_code == 302


class TestAlarms:
    def test_the_list_shows_open_alarms_in_scope(self, client, personas, alarm):
        page = login(client, personas, "alpha_inspector").get(reverse("iot:alarms"))
        assert f'data-alarm="{alarm.pk}"'.encode() in page.content
        other = login(client, personas, "beta_operator").get(reverse("iot:alarms"))
        assert f'data-alarm="{alarm.pk}"'.encode() not in other.content

    def test_acknowledge_with_a_note(self, client, personas, alarm):
        login(client, personas, "alpha_inspector")
        url = reverse("iot:alarm_act", args=[alarm.pk, "acknowledge"])
        response = client.post(url, {"note": "crew on the way", "next": reverse("iot:alarms")})
        assert response.status_code == 302
        alarm.refresh_from_db()
        assert alarm.status == AlarmStatus.ACKNOWLEDGED
        assert alarm.acknowledged_by == personas["alpha_inspector"]
        event = alarm.events.get(action=AlarmAction.ACKNOWLEDGE)
        assert event.note == "crew on the way"
        page = client.get(response["Location"])
        assert "acknowledged" in page.content.decode()

    def test_clearing_needs_a_reason(self, client, personas, alarm):
        login(client, personas, "alpha_inspector")
        url = reverse("iot:alarm_act", args=[alarm.pk, "clear"])
        page = client.post(url, {"reason": "  "}, follow=True)
        assert "needs a reason" in page.content.decode()
        alarm.refresh_from_db()
        assert alarm.status == AlarmStatus.ACTIVE
        client.post(url, {"reason": "false alarm: cover checked"})
        alarm.refresh_from_db()
        assert alarm.status == AlarmStatus.CLEARED
        assert alarm.clear_reason == "false alarm: cover checked" and not alarm.confirmed_clear

    def test_a_second_acknowledge_is_refused_with_a_message(self, client, personas, alarm):
        login(client, personas, "alpha_inspector")
        url = reverse("iot:alarm_act", args=[alarm.pk, "acknowledge"])
        client.post(url)
        page = client.post(url, follow=True)
        assert "only an active alarm can be acknowledged" in page.content.decode()

    def test_out_of_scope_users_cannot_act(self, client, personas, alarm):
        login(client, personas, "beta_operator")
        url = reverse("iot:alarm_act", args=[alarm.pk, "acknowledge"])
        assert client.post(url).status_code == 404
        alarm.refresh_from_db()
        assert alarm.status == AlarmStatus.ACTIVE

    def test_an_offsite_next_url_is_not_followed(self, client, personas, alarm):
        login(client, personas, "alpha_inspector")
        url = reverse("iot:alarm_act", args=[alarm.pk, "acknowledge"])
        response = client.post(url, {"next": "https://evil.example/"})
        assert response["Location"] == reverse("iot:alarms")

    def test_get_is_not_a_move(self, client, personas, alarm):
        login(client, personas, "alpha_inspector")
        assert (
            client.get(reverse("iot:alarm_act", args=[alarm.pk, "acknowledge"])).status_code == 405
        )


class TestAlarmToCase:
    """转立案: an alarm whose rule opens no case becomes one by hand (the list and the cockpit)."""

    @pytest.fixture
    def quiet_alarm(self, manhole, displaced_rule) -> Alarm:
        from catalog.models import Category

        displaced_rule.open_case = False
        displaced_rule.category = displaced_rule.category or Category.objects.get(
            kind="component", code="01002"
        )
        displaced_rule.save()
        tilt(manhole.code, (0, 2), (60, 20), (120, 25))
        alarm = Alarm.objects.get(device=manhole)
        assert alarm.case_id is None
        return alarm

    def test_the_desk_opens_a_case_from_an_alarm_once(self, client, personas, quiet_alarm):
        login(client, personas, "city_dispatcher")
        page = client.get(reverse("iot:alarms"))
        assert 'class="case-form"' in page.content.decode()
        url = reverse("iot:alarm_act", args=[quiet_alarm.pk, "case"])
        answer = client.post(url, headers={"Accept": "application/json"}).json()
        quiet_alarm.refresh_from_db()
        assert answer["ok"] and answer["number"] == quiet_alarm.case.number
        assert answer["url"] == reverse("cases:case", args=[quiet_alarm.case.number])
        assert quiet_alarm.case.source == "iot" and quiet_alarm.case.category.code == "01002"
        event = quiet_alarm.events.get(action=AlarmAction.CASE_OPENED)
        assert event.actor == personas["city_dispatcher"]
        again = client.post(url, headers={"Accept": "application/json"})
        assert again.status_code == 400 and "has its case already" in again.json()["message"]
        assert 'class="case-form"' not in client.get(reverse("iot:alarms")).content.decode()

    def test_only_the_desk_and_leaders_in_scope(self, client, personas, quiet_alarm):
        url = reverse("iot:alarm_act", args=[quiet_alarm.pk, "case"])
        login(client, personas, "alpha_inspector")  # sees it, may not open cases from alarms
        assert 'class="case-form"' not in client.get(reverse("iot:alarms")).content.decode()
        refused = client.post(url, headers={"Accept": "application/json"})
        assert refused.status_code == 400 and "desk role" in refused.json()["message"]
        login(client, personas, "beta_operator")  # Beta: the alarm is in Alpha
        missing = client.post(url, headers={"Accept": "application/json"})
        assert missing.status_code == 404
        quiet_alarm.refresh_from_db()
        assert quiet_alarm.case_id is None

    def test_the_cockpit_offers_the_one_click_on_each_alarm(self, client, personas, quiet_alarm):
        login(client, personas, "city_leader")
        row = client.get("/api/v1/cockpit").json()["alarms"]["rows"][0]
        assert row["to_case_url"] == reverse("iot:alarm_act", args=[quiet_alarm.pk, "case"])
        assert row["case"] is None and row["supervise_url"] is None
        client.post(row["to_case_url"], headers={"Accept": "application/json"})
        from django.core.cache import cache

        cache.clear()
        row = client.get("/api/v1/cockpit").json()["alarms"]["rows"][0]
        quiet_alarm.refresh_from_db()
        assert row["case"] == quiet_alarm.case.number and row["to_case_url"] is None
        assert row["supervise_url"] == reverse("web:leader_supervise", args=[row["case"]])
