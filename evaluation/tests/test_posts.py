"""Post evaluation (岗位评价) on hand-made cases, with the expected numbers written out.

Default post limits (working hours): 核实 2, 立案 1, 派遣 1, 核查 2, 结案 1; the default calendar
(08:00-12:00, 14:00-18:00). The week of Monday 23 November 2026:

- A (Mon, the inspector's report): filed 09:30 (due 10:00, on time), dispatched 10:31 (due
  10:30: late by one working minute), disposed 11:00, check passed 14:30 (due 15:00: the lunch
  break is not working time), closed 15:20 (due 15:30).
- B (Mon 17:30, a citizen's report): verified Tue 09:45 (due 09:30: the night is not working
  time, late), filed 10:00 (on time), voided 10:10 (the filing did not hold: 准确立案 no).
- C (Tue, the inspector's report): filed 09:10, dispatched 09:20 to the roads bureau, which
  returns it 10:00 ("not ours": 准确派遣 no); dispatched again 11:30 (due 11:00, late).
- D (Wed, the inspector's report): disposed 10:00, check failed 10:30 (返工), disposed again
  11:00, check passed 11:10, closed 11:20.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases import services
from cases.models import Case
from cases.services.reporting import case_report
from cases.states import SourceChannel
from cases.tests.conftest import local, photo, received
from evaluation import posts, selectors
from evaluation.models import PostFact, PostLimits, Scheme, Stage
from org.models import Department

pytestmark = pytest.mark.django_db

WEEK = (local(23, 0), local(30, 0))
PASSWORD = "cityops-test"


@pytest.fixture
def week(flow, staff, roads, grid, standard, django_capture_on_commit_callbacks):
    """The four cases of the module docstring, every move through the real services and their
    after-commit hooks (which write the facts)."""
    s = staff
    inspector, leader, desk, roads_d = (
        s["alpha_inspector"],
        s["shift_leader"],
        s["city_dispatcher"],
        s["roads_disposer"],
    )

    def file(case, at):
        return services.case_file(case=case, actor=leader, standard=standard, now=at)

    def dispatch(case, at, department=roads):
        return services.case_dispatch(case=case, actor=desk, departments=[department], now=at)

    def dispose(task, at):
        services.task_accept(task=task, actor=roads_d, now=at - timedelta(minutes=10))
        services.task_dispose(task=task, actor=roads_d, photos=[photo()], now=at)

    found = {}
    with django_capture_on_commit_callbacks(execute=True):
        a = flow.reported(now=local(23, 9))
        file(a, local(23, 9, 30))
        [task] = dispatch(a, local(23, 10, 31))
        dispose(task, local(23, 11))
        services.case_check_pass(case=a, actor=inspector, now=local(23, 14, 30))
        services.case_close(case=a, actor=leader, now=local(23, 15, 20))
        found["A"] = a

        b = case_report(
            actor=None,
            source=SourceChannel.CITIZEN,
            grid=grid,
            trusted=False,
            description="Rubbish heaped by the bus stop",
            now=local(23, 17, 30),
        )
        received(b)
        services.case_verify(case=b, actor=inspector, photos=[photo()], now=local(24, 9, 45))
        file(b, local(24, 10))
        services.case_void(case=b, actor=leader, reason="Already cleared", now=local(24, 10, 10))
        found["B"] = b

        c = flow.reported(now=local(24, 9))
        file(c, local(24, 9, 10))
        [task] = dispatch(c, local(24, 9, 20))
        services.task_return(task=task, actor=roads_d, reason="Not ours", now=local(24, 10))
        dispatch(c, local(24, 11, 30), Department.objects.get(code="ST-ALPHA"))
        found["C"] = c

        d = flow.reported(now=local(25, 9))
        file(d, local(25, 9, 5))
        [task] = dispatch(d, local(25, 9, 10))
        dispose(task, local(25, 10))
        services.case_check_fail(
            case=d, actor=inspector, reason="Still loose", now=local(25, 10, 30)
        )
        task.refresh_from_db()
        dispose(task, local(25, 11))
        d.refresh_from_db()
        services.case_check_pass(case=d, actor=inspector, now=local(25, 11, 10))
        services.case_close(case=d, actor=leader, now=local(25, 11, 20))
        found["D"] = d
    return found


def _row(post: str, username: str) -> dict:
    rows = selectors.post_ranking(PostFact.objects.all(), post, *WEEK)
    return next(r for r in rows if r["person"].get_username() == username)


def test_each_step_is_timed_from_when_it_became_the_posts_to_do(week, staff):
    a = {f.stage: f for f in PostFact.objects.filter(case=week["A"])}
    assert set(a) == {"report", "file", "dispatch", "dispose", "check", "close"}
    assert (a["file"].started_at, a["file"].due_at, a["file"].on_time) == (
        local(23, 9),
        local(23, 10),
        True,
    )
    assert (a["dispatch"].due_at, a["dispatch"].on_time) == (local(23, 10, 30), False)
    assert (a["check"].started_at, a["check"].due_at, a["check"].on_time) == (
        local(23, 11),
        local(23, 15),
        True,
    )
    assert (a["close"].due_at, a["close"].on_time) == (local(23, 15, 30), True)
    assert a["report"].person == staff["alpha_inspector"] and a["report"].post == "inspector"
    b = {f.stage: f for f in PostFact.objects.filter(case=week["B"])}
    # An anonymous citizen's report is nobody's step; the overnight verification is late.
    assert set(b) == {"verify", "file"}
    assert (b["verify"].due_at, b["verify"].on_time) == (local(24, 9, 30), False)
    assert b["file"].held is False  # voided afterwards


def test_inspector_numbers(week):
    row = _row("inspector", "inspector_alpha")
    counts = row["counts"]
    assert (counts["report"], counts["report_held"]) == (3, 3)
    assert (counts["verify"], counts["verify_on_time"]) == (1, 0)
    assert (counts["check"], counts["check_on_time"]) == (3, 3)
    # 漏报: of the four cases filed in Alpha this week, the citizen's B was found by the public.
    assert (counts["missed"], counts["area_filed"]) == (1, 4)
    assert row["values"] == {
        "reports": Decimal(3),
        "valid_report_rate": Decimal("100.00"),
        "verify_on_time_rate": Decimal("0.00"),
        "check_on_time_rate": Decimal("100.00"),
        "missed": Decimal(1),
        "missed_rate": Decimal("25.00"),
    }


@pytest.mark.parametrize("period", [WEEK, (local(23, 9), local(27, 15))])
def test_each_count_is_its_filter_and_the_missed_reports_the_facts(week, monkeypatch, period):
    """The grouped read gives every count its filter would (``post_filters``), for every post;
    漏报 from the region rollups equals the facts' count (a period of whole days; the other
    is counted from the facts)."""
    from django.db.models import Count

    from evaluation import definitions, rollups

    facts = PostFact.objects.all()
    for post in {f.post for f in facts}:
        oracle = {
            row.pop("person_id"): {k: n for k, n in row.items() if n}
            for row in facts.filter(post=post)
            .values("person_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in selectors.post_filters(*period).items()})
        }  # fmt: skip
        counted = selectors.post_counts(facts, post, *period)
        assert {p: dict(c) for p, c in counted.items() if c} == {
            p: c for p, c in oracle.items() if c
        }
    inspectors = list(facts.filter(post="inspector").values_list("person_id", flat=True).distinct())
    rolled = selectors.missed_counts(inspectors, *period)
    monkeypatch.setattr(rollups, "filed_under", lambda *args: None)
    assert selectors.missed_counts(inspectors, *period) == rolled
    assert any(row["area_filed"] for row in rolled.values())
    assert set(definitions.POST_STAGES) >= {f.stage for f in facts}


def test_shift_leader_dispatcher_and_disposer_numbers(week):
    assert _row("shift_leader", "shift_leader")["values"] == {
        "filed": Decimal(4),
        "file_on_time_rate": Decimal("100.00"),
        "file_accuracy_rate": Decimal("75.00"),  # B was voided
        "closed": Decimal(2),
        "close_on_time_rate": Decimal("100.00"),
    }
    assert _row("dispatcher", "dispatcher")["values"] == {
        "dispatched": Decimal(4),
        "dispatch_on_time_rate": Decimal("50.00"),  # A by one minute, C's second round late
        "dispatch_accuracy_rate": Decimal("75.00"),  # C's first round was returned
    }
    assert _row("disposer", "disposer_roads")["values"] == {
        "disposed": Decimal(3),
        "dispose_on_time_rate": Decimal("100.00"),
        "dispose_rework_rate": Decimal("33.33"),  # D's first disposal failed its check
    }


def test_the_default_scheme_scores_an_inspector_as_unicom_weighs_it(week):
    scheme = Scheme.objects.get(object_type="inspector", is_active=True)
    from evaluation import schemes

    [row] = schemes.score_rows([_row("inspector", "inspector_alpha")], scheme)
    # 100 x40 + (100 - 25) x20 + 0 x20 + 100 x20, over 100.
    assert (row["score"], row["grade"]) == (Decimal("75.00"), "B")


def test_the_limits_are_the_citys_and_a_backfill_recounts_the_past(week):
    limits = PostLimits.current()
    limits.verify_hours = Decimal(3)
    limits.save()
    verify = PostFact.objects.get(case=week["B"], stage=Stage.VERIFY)
    assert verify.on_time is False  # written under the old limit
    posts.backfill(Case.objects.all())
    verify = PostFact.objects.get(case=week["B"], stage=Stage.VERIFY)
    assert (verify.due_at, verify.on_time) == (local(24, 10, 30), True)


# --- pages -----------------------------------------------------------------------------------


def _week_query(**more) -> dict:
    return {"from": "2026-11-23", "to": "2026-11-29", **more}


def test_the_post_page_ranks_and_every_number_opens_its_steps(week, client, staff):
    client.force_login(staff["city_leader"])
    page = client.get(reverse("evaluation:posts"), _week_query(post="dispatcher"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-person="dispatcher"' in html and "75.00 %" in html
    steps = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="dispatcher", person=staff["city_dispatcher"].pk, count="dispatch_held"),
    )
    assert steps.status_code == 200
    assert steps.context["total"] == 3  # the cell's 3 of 4
    numbers = {f.case.number for f in steps.context["rows"]}
    assert numbers == {week["A"].number, week["C"].number, week["D"].number}
    missed = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="inspector", person=staff["alpha_inspector"].pk, count="missed"),
    )
    assert [f.case.number for f in missed.context["rows"]] == [week["B"].number]


def test_the_table_downloads_as_csv(week, client, staff):
    client.force_login(staff["city_leader"])
    response = client.get(
        reverse("evaluation:posts"), _week_query(post="shift_leader", format="csv")
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rank", "Change in rank 较上期", "Name", "User name"]
    # rank, no change (no steps the week before), name, user name, score, grade, the indicators
    assert rows[1] == ["1", "", "shift_leader", "shift_leader", "90.00", "A", "4", "100.00",
                       "75.00", "2", "100.00"]  # fmt: skip


def test_posts_are_for_the_centre_and_only_within_its_area(week, client, staff):
    client.force_login(staff["west_dispatcher"])  # district West: none of Alpha's steps
    page = client.get(reverse("evaluation:posts"), _week_query(post="inspector"))
    assert page.status_code == 200 and page.context["rows"] == []
    behind = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="inspector", person=staff["alpha_inspector"].pk, count="report"),
    )
    assert behind.status_code == 404
    client.force_login(staff["city_leader"])
    assert (
        client.get(
            reverse("evaluation:post_steps"),
            _week_query(post="inspector", person=staff["alpha_inspector"].pk, count="nonsense"),
        ).status_code
        == 404
    )


def test_people_outside_the_centres_management_see_their_own_row_only(week, client, staff):
    """A disposer or a dispatcher sees their own numbers and rank, never a colleague's."""
    client.force_login(staff["roads_disposer"])
    page = client.get(reverse("evaluation:posts"), _week_query())  # their own post by default
    assert page.context["post"] == "disposer"
    [row] = page.context["rows"]
    assert row["person"] == staff["roads_disposer"] and page.context["ranked_of"] == 1
    mine = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="disposer", person=staff["roads_disposer"].pk, count="dispose"),
    )
    assert mine.status_code == 200 and mine.context["total"] == 3
    client.force_login(staff["city_dispatcher"])
    others = client.get(reverse("evaluation:posts"), _week_query(post="inspector"))
    assert others.context["rows"] == []  # the dispatcher is not an inspector
    theirs = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="inspector", person=staff["alpha_inspector"].pk, count="report"),
    )
    assert theirs.status_code == 404
    scheme = Scheme.objects.get(object_type="inspector", is_active=True)
    assert client.get(reverse("evaluation:scheme", args=[scheme.pk])).status_code == 302


def test_the_api_gives_the_same_numbers(week, client, staff):
    client.force_login(staff["city_leader"])
    response = client.get("/api/v1/evaluation/posts", _week_query(post="disposer"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["post"] == "disposer" and body["scheme"]["name"] == "处置人员评价 (默认)"
    [row] = body["rows"]
    assert row["person"]["username"] == "disposer_roads"
    assert row["values"]["dispose_rework_rate"] == "33.33" and row["counts"]["dispose"] == 3
    # 100 x50 + (100 - 33.33) x50, over 100
    assert (row["score"], row["grade"]) == ("83.34", "B")
    client.force_login(staff["roads_disposer"])
    own = client.get("/api/v1/evaluation/posts", _week_query(post="disposer")).json()
    assert [r["person"]["username"] for r in own["rows"]] == ["disposer_roads"]
    assert client.get("/api/v1/evaluation/posts", _week_query()).json()["rows"] == []
    client.force_login(get_user_model().objects.create_user("no_profile", password=PASSWORD))
    refused = client.get("/api/v1/evaluation/posts")
    assert refused.status_code == 403 and refused.json()["code"] == "role_required"
    client.force_login(staff["city_leader"])
    wrong = client.get("/api/v1/evaluation/posts", {"post": "mayor"})
    assert wrong.status_code == 422


def test_a_post_scheme_page_shows_its_ranking_and_a_trial_change(week, client, staff):
    scheme = Scheme.objects.get(object_type="shift_leader", is_active=True)
    client.force_login(staff["admin"])
    page = client.get(reverse("evaluation:scheme", args=[scheme.pk]), _week_query())
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row["name"], row["score"]) == ("shift_leader", Decimal("90.00"))
    assert "post=shift_leader" in page.context["ranking_url"]
    items = list(scheme.items.all())
    form = {"action": "try", "grade_a": "90", "grade_b": "75", "grade_c": "60", "grade_d": "40"}
    for item in items:  # weigh only 准确立案率 (75 %)
        form[f"item-{item.pk}-weight"] = "1" if item.indicator == "file_accuracy_rate" else "0"
        form[f"item-{item.pk}-rule"] = item.rule
        form[f"item-{item.pk}-params"] = "{}"
    tried = client.post(
        reverse("evaluation:scheme", args=[scheme.pk]) + "?from=2026-11-23&to=2026-11-29", form
    )
    assert tried.status_code == 200, tried.context and tried.context["problems"]
    [compared] = tried.context["compared"]
    assert compared["before"]["score"] == Decimal("90.00")
    assert compared["after"]["score"] == Decimal("75.00")


# --- the rules at the edges ------------------------------------------------------------------


def _facts(case) -> dict[str, list[PostFact]]:
    found: dict[str, list[PostFact]] = {}
    for fact in PostFact.objects.filter(case=case).order_by("at", "pk"):
        found.setdefault(fact.stage, []).append(fact)
    return found


def test_a_check_that_fails_after_a_pass_sends_the_disposal_back(
    flow, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, task = flow.check_passed()
        services.case_check_fail(
            case=Case.objects.get(pk=case.pk),
            actor=staff["alpha_inspector"],
            reason="Loose again",
            now=flow.t0 + timedelta(hours=3),
        )
    [disposal] = _facts(case)["dispose"]
    assert disposal.held is False  # the last verdict on it, not the first
    with django_capture_on_commit_callbacks(execute=True):
        task.refresh_from_db()
        services.task_accept(
            task=task, actor=staff["roads_disposer"], now=flow.t0 + timedelta(hours=4)
        )
        services.task_dispose(
            task=task,
            actor=staff["roads_disposer"],
            photos=[photo()],
            now=flow.t0 + timedelta(hours=5),
        )
    first, second = _facts(case)["dispose"]
    assert (first.held, second.held) == (False, None)  # the new disposal awaits its check


def test_an_urgent_case_is_timed_round_the_clock(
    flow, staff, standard, django_capture_on_commit_callbacks
):
    """Reported 紧急 at 17:50 Monday and filed at 19:00: on the working clock the hour would run
    to Tuesday 08:50; urgent, it ran out at 18:50."""
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.reported(priority="urgent", now=local(23, 17, 50))
        services.case_file(
            case=case, actor=staff["shift_leader"], standard=standard, now=local(23, 19)
        )
    [filing] = _facts(case)["file"]
    assert (filing.due_at, filing.on_time) == (local(23, 18, 50), False)


def test_a_report_is_valid_once_filed_invalid_once_voided_and_undecided_meanwhile(
    flow, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waiting = flow.reported(now=local(23, 9))
        voided = flow.reported(now=local(23, 9, 5), description="Not a city problem after all")
        services.case_void(
            case=voided, actor=staff["shift_leader"], reason="Private land", now=local(23, 9, 30)
        )
    assert _facts(waiting)["report"][0].held is None
    assert _facts(voided)["report"][0].held is False
    row = _row("inspector", "inspector_alpha")
    assert (row["counts"]["report"], row["counts"]["report_held"]) == (2, 0)
    assert row["values"]["valid_report_rate"] == Decimal("0.00")  # 0 of 2: one waits, one voided


def test_the_check_is_due_from_when_the_desk_settled_the_last_returned_share(
    flow, staff, roads, alpha_office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, tasks = flow.dispatched(departments=[roads, alpha_office], lead=roads)
        lead = next(t for t in tasks if t.department == roads)
        share = next(t for t in tasks if t.department == alpha_office)
        services.task_return(
            task=share, actor=staff["alpha_disposer"], reason="Not ours", now=local(23, 9, 30)
        )
        services.task_accept(task=lead, actor=staff["roads_disposer"], now=local(23, 9, 40))
        services.task_dispose(
            task=lead, actor=staff["roads_disposer"], photos=[photo()], now=local(23, 10)
        )
        share.refresh_from_db()
        services.task_settle_share(
            task=share, actor=staff["city_dispatcher"], reason="Roads covered it", now=local(23, 11)
        )
        services.case_check_pass(
            case=Case.objects.get(pk=case.pk), actor=staff["alpha_inspector"], now=local(23, 14, 30)
        )
    facts = _facts(case)
    [check] = facts["check"]
    assert check.started_at == local(23, 11)  # not 10:00: the case was disposed when settled
    assert (check.due_at, check.on_time) == (local(23, 15), True)
    [dispatch] = facts["dispatch"]
    assert dispatch.held is False  # a department returned its share: not 准确派遣


def test_missed_reports_count_only_the_viewers_part_of_the_inspectors_areas(
    staff, small_city, grid, west_grid, standard, client, django_capture_on_commit_callbacks
):
    """Alpha's inspector also covers Gamma (district West). The city sees both public reports
    filed there; a West shift leader only the one in West."""
    from org.services import staff_create

    inspector = staff["alpha_inspector"]
    inspector.staff_profile.areas.add(small_city.gamma)
    west_leader = staff_create(
        username="shift_leader_west",
        password=PASSWORD,
        role="shift_leader",
        areas=[small_city.west],
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        for place, at in ((grid, local(23, 9)), (west_grid, local(23, 10))):
            case = received(
                case_report(
                    actor=None,
                    source=SourceChannel.HOTLINE_12345,
                    grid=place,
                    trusted=False,
                    description="Litter along the riverside path",
                    now=at,
                )
            )
            services.case_verify(
                case=case, actor=inspector, photos=[photo()], now=at + timedelta(minutes=30)
            )
            services.case_file(
                case=case,
                actor=staff["shift_leader"],
                standard=standard,
                now=at + timedelta(hours=1),
            )
    assert _row("inspector", "inspector_alpha")["counts"]["missed"] == 2
    client.force_login(west_leader)
    page = client.get(reverse("evaluation:posts"), _week_query(post="inspector"))
    [row] = page.context["rows"]
    assert (row["counts"]["missed"], row["counts"]["area_filed"]) == (1, 1)
    behind = client.get(
        reverse("evaluation:post_steps"),
        _week_query(post="inspector", person=inspector.pk, count="missed"),
    )
    assert [f.area_path.startswith(small_city.west.path) for f in behind.context["rows"]] == [True]


def test_in_production_the_worker_writes_the_post_facts_after_a_move(
    flow, staff, standard, settings, django_capture_on_commit_callbacks
):
    """EVALUATION_POSTS_ASYNC (the default outside tests): a move queues the write (nothing in
    the request), the worker's run writes what the trail gives; the nightly reconcile writes
    them again for yesterday's cases."""
    from core.testing import huey_immediate
    from evaluation import tasks

    settings.EVALUATION_POSTS_ASYNC = True
    queued = []
    original = tasks.write_post_facts
    tasks.write_post_facts = lambda ids: queued.append(list(ids))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = flow.reported(source=SourceChannel.INSPECTOR)
    finally:
        tasks.write_post_facts = original
    assert queued == [[case.pk]] and not PostFact.objects.filter(case=case).exists()
    with huey_immediate(), django_capture_on_commit_callbacks(execute=True):
        services.case_file(case=case, actor=staff["shift_leader"], standard=standard)
    assert PostFact.objects.filter(case=case).exists()  # the queued task ran (immediate here)
