"""Changing weights: the index of every area before and after, side by side, before saving;
a save is in the tree's history and the latest day is computed again."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry

from evaluation.tests.test_regions import ALPHA, region_week  # noqa: F401 - the fixture
from signs import services
from signs.models import SignNode, SignValue
from signs.tests.test_compute import small_tree  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)
PAGE = "/en/signs/weights/"


@pytest.fixture
def computed(small_tree):  # noqa: F811
    services.compute_day(DAY)


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["admin"])
    return client


def _form(**weights):
    found = {f"w-{n.code}": str(n.weight) for n in SignNode.objects.exclude(level="index")}
    found.update({f"w-{code}": str(w) for code, w in weights.items()})
    return found


def test_a_change_is_shown_before_and_after_then_saved(admin_client, computed):
    # Street Alpha: 按期 60 and filed 95 with AQI missing: 77.5 before; 0.8 x 60 + 0.2 x 95 = 67.
    tried = admin_client.post(PAGE, {**_form(CLOSING=0.8, FILED=0.2, AQI=0), "action": "preview"})
    alpha = next(r for r in tried.context["compared"] if r["area_path"] == ALPHA)
    assert alpha["before"] == pytest.approx(77.5) and alpha["after"] == pytest.approx(67.0)
    assert (alpha["before_band"], alpha["after_band"]) == ("green", "yellow")
    assert SignNode.objects.get(code="CLOSING").weight != 0.8  # a try saves nothing
    saved = admin_client.post(PAGE, {**_form(CLOSING=0.8, FILED=0.2, AQI=0), "action": "save"})
    assert saved.status_code == 302
    assert float(SignNode.objects.get(code="CLOSING").weight) == 0.8
    index = SignValue.objects.get(node__code="INDEX", area_path=ALPHA, day=DAY)
    assert index.score == pytest.approx(67.0)  # the latest day computed again
    entry = LogEntry.objects.get()
    assert "CLOSING" in entry.change_message and "-> 0.8" in entry.change_message


def test_a_save_recomputes_the_latest_hour_on_the_worker(
    admin_client, computed, django_capture_on_commit_callbacks
):
    """The index "now" follows new weights at once: the save queues the latest hour again."""
    from core.testing import huey_immediate

    services.compute_hour(DAY, 9)
    hour = SignValue.objects.get(node__code="INDEX", area_path=ALPHA, day=DAY, hour=9)
    with huey_immediate(), django_capture_on_commit_callbacks(execute=True):
        admin_client.post(PAGE, {**_form(CLOSING=0.8, FILED=0.2, AQI=0), "action": "save"})
    again = SignValue.objects.get(node__code="INDEX", area_path=ALPHA, day=DAY, hour=9)
    assert again.pk != hour.pk and again.explanation["children"] != hour.explanation["children"]
    weights = {c["code"]: c["weight"] for c in again.explanation["children"]}
    assert weights["G"] == 1.0
    goal = SignValue.objects.get(node__code="G1", area_path=ALPHA, day=DAY, hour=9)
    assert {c["code"]: c["weight"] for c in goal.explanation["children"]}["CLOSING"] == 0.8


def test_weights_that_do_not_sum_to_one_are_refused(admin_client, computed):
    answer = admin_client.post(PAGE, {**_form(CLOSING=0.9), "action": "save"})
    assert answer.status_code == 200
    assert any("The weights under G1 sum to" in p for p in answer.context["problems"])
    bad = admin_client.post(PAGE, {**_form(FILED="lots"), "action": "preview"})
    assert any("FILED: the weight must be a number" in p for p in bad.context["problems"])
    assert not LogEntry.objects.exists()


def test_only_administrators_change_weights(client, staff, computed):
    client.force_login(staff["city_leader"])
    assert client.get(PAGE).status_code == 302


def test_a_breakpoint_change_rescores_the_stored_raw_values(admin_client, computed):
    import json

    steep = json.dumps({"kind": "piecewise", "points": [[0, 50], [10, 0]]})
    tried = admin_client.post(PAGE, {**_form(), "n-FILED": steep, "action": "preview"})
    alpha = next(r for r in tried.context["compared"] if r["area_path"] == ALPHA)
    # FILED's raw 0 now scores 50 instead of 95: (60 + 50) / 2.
    assert alpha["after"] == pytest.approx(55.0) and alpha["after_band"] == "orange"
    bad = admin_client.post(PAGE, {**_form(), "n-FILED": "{points", "action": "preview"})
    assert "FILED: the normaliser is not valid JSON." in bad.context["problems"]
    unusable = json.dumps({"kind": "piecewise", "points": [[0, 50]]})
    refused = admin_client.post(PAGE, {**_form(), "n-FILED": unusable, "action": "save"})
    assert any(p.startswith("FILED: points need at least two") for p in refused.context["problems"])
    admin_client.post(PAGE, {**_form(), "n-FILED": steep, "action": "save"})
    assert SignNode.objects.get(code="FILED").normaliser["points"] == [[0, 50], [10, 0]]
    index = SignValue.objects.get(node__code="INDEX", area_path=ALPHA, day=DAY)
    assert index.score == pytest.approx(55.0)
