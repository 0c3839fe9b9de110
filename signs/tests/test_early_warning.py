"""Sign warnings (预警) on raw values: the level a value reaches, and an episode raised once,
its level changed as the value moves, ended when it falls below every level."""

from __future__ import annotations

from datetime import date

import pytest

from signs import early_warning as ew
from signs.models import SignWarning
from signs.tree import active_tree

pytestmark = pytest.mark.django_db
FLOOD = {"IV": 1, "III": 3, "II": 5, "I": 10}  # 积水 points over their alert depth
RATE = {"IV": 95, "III": 90, "I": 80}  # a rate: lower is worse


@pytest.mark.parametrize(
    "raw, rule, level",
    [(0, FLOOD, 0), (1, FLOOD, 4), (2.9, FLOOD, 4), (3, FLOOD, 3), (7, FLOOD, 2), (10, FLOOD, 1),
     (99, RATE, 0), (95, RATE, 4), (85, RATE, 3), (80, RATE, 1), (None, FLOOD, 0), (5, {}, 0)],
)  # fmt: skip
def test_the_level_a_raw_value_reaches(raw, rule, level):
    assert ew.level_of(raw, rule) == level


def _day(day: int, raw: float | None, path: str = "/330200/") -> list:
    leaf = active_tree().nodes.get(code="S1.2")  # the built-in 积水 leaf has the FLOOD rule
    values = {path: {"S1.2": {"raw": raw}}}
    return [(e.kind, e.warning.level) for e in ew.follow(date(2026, 11, day), [leaf], values)]


def test_an_episode_is_raised_once_escalates_and_ends():
    assert _day(23, 0) == []
    assert _day(24, 2) == [("raised", 4)]
    assert _day(24, 2) == []  # the same day again: nothing twice
    assert _day(25, 2.5) == []  # still level IV
    assert _day(26, 6) == [("changed", 2)]  # escalated to II
    assert _day(27, None) == []  # no value: nothing changes
    assert _day(28, 3) == [("changed", 3)]
    warning = SignWarning.objects.get()
    assert (warning.level, warning.highest, warning.ended_on) == (3, 2, None)
    assert ew.active("/330200/") == [warning]
    assert _day(29, 0) == [("ended", 3)]
    warning.refresh_from_db()
    assert warning.ended_on == date(2026, 11, 29) and ew.active("/330200/") == []
    assert [h["level"] for h in warning.history] == [4, 2, 3, 0]
    assert _day(30, 1) == [("raised", 4)]  # a new episode
    assert SignWarning.objects.count() == 2


def test_areas_have_their_own_episodes():
    assert _day(24, 1, "/330200/330203/") == [("raised", 4)]
    assert _day(24, 12, "/330200/330205/") == [("raised", 1)]
    assert [w.level for w in ew.active("/330200/")] == [1, 4]  # most severe first
    assert [w.area_path for w in ew.active("/330200/330203/")] == ["/330200/330203/"]


# --- what a warning does: tell the department, open one case per episode ----------------------


@pytest.fixture
def flood_rule(small_city, staff, roads):
    """The 积水 leaf's rule tells the roads bureau and opens a case from level III."""
    from catalog.models import Category

    roads.contact_phone = "13800000001"
    roads.save()
    category = Category.objects.filter(code__isnull=False).order_by("code").first()
    leaf = active_tree().nodes.get(code="S1.2")
    leaf.warning = {
        **FLOOD,
        "department": roads.code,
        "case_from": "III",
        "category": category.code,
    }
    leaf.full_clean()
    leaf.save()
    return leaf


def _act(day: int, raw: float, path: str) -> dict:
    from django.utils import timezone

    leaf = active_tree().nodes.get(code="S1.2")
    events = ew.follow(date(2026, 11, day), [leaf], {path: {"S1.2": {"raw": raw}}})
    return ew.act(events, now=timezone.now())


def test_a_warning_tells_its_department_per_new_level_and_opens_one_case(flood_rule, small_city):
    from intake.models import IntakeReport
    from notify.models import OutboxMessage

    path = small_city.east.path
    assert _act(24, 2, path) == {"notified": 1, "cases": 0}  # IV: told, below case_from
    assert _act(25, 4, path) == {"notified": 1, "cases": 1}  # III: told again, one case
    assert _act(26, 6, path) == {"notified": 1, "cases": 0}  # II: told; the case exists
    assert _act(27, 3.5, path) == {"notified": 0, "cases": 0}  # back to III: told of worse
    warning = SignWarning.objects.get()
    assert warning.notified_level == 2 and warning.case is not None
    texts = OutboxMessage.objects.filter(dedupe_key__startswith=f"sign-warning:{warning.pk}:")
    assert texts.count() == 3 and {t.to for t in texts} == {"13800000001"}
    case = warning.case
    assert case.source == "other" and case.area_path.startswith(path)
    assert "积水" in case.description or flood_rule.name in case.description
    assert IntakeReport.objects.filter(external_id=f"sign-warning:{warning.pk}").count() == 1
    _act(28, 0, path)  # ended
    assert _act(29, 5, path) == {"notified": 1, "cases": 1}  # a new episode: its own case


def test_a_rule_names_real_departments_categories_and_levels(small_city, staff, roads):
    from django.core.exceptions import ValidationError

    leaf = active_tree().nodes.get(code="S1.2")
    for bad, word in (
        ({**FLOOD, "department": "NO-SUCH"}, "NO-SUCH"),
        ({**FLOOD, "case_from": "V", "category": "x"}, "case_from"),
        ({**FLOOD, "case_from": "III"}, "category"),
    ):
        leaf.warning = bad
        with pytest.raises(ValidationError) as refused:
            leaf.full_clean()
        assert word in str(refused.value)


def test_only_the_day_just_ended_acts_a_backfilled_day_tells_nobody(
    flood_rule, small_city, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from signs import services

    acted = []
    monkeypatch.setattr(ew, "act", lambda events, now: acted.append(len(events)))
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        services.compute_day(today - timedelta(days=20))
    assert acted == []
    with django_capture_on_commit_callbacks(execute=True):
        services.compute_day(today - timedelta(days=1))
    assert len(acted) == 1


def test_a_failed_action_is_tried_again_and_stops_no_other(flood_rule, small_city, roads):
    """No phone yet: the text fails but the case is opened; with the phone set, the next run
    (``pending``: the open warnings that still owe an action) sends it, once."""
    from django.utils import timezone

    roads.contact_phone = ""
    roads.save()
    path = small_city.east.path
    leaf = active_tree().nodes.get(code="S1.2")
    events = ew.follow(date(2026, 11, 24), [leaf], {path: {"S1.2": {"raw": 4}}})
    assert ew.act(events, now=timezone.now()) == {"notified": 0, "cases": 1}
    warning = SignWarning.objects.get()
    assert warning.case is not None and warning.notified_level is None
    assert [e.warning for e in ew.pending()] == [warning]
    roads.contact_phone = "13800000001"
    roads.save()
    assert ew.act(ew.pending(), now=timezone.now()) == {"notified": 1, "cases": 0}
    assert ew.pending() == [] and ew.act(ew.pending(), now=timezone.now()) == {
        "notified": 0,
        "cases": 0,
    }
