"""Historical import: finished cases with their full timelines, written in bulk, checked row by
row, idempotent, and indistinguishable from live cases through the selectors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import selectors, sla
from cases import services as case_services
from cases.models import Case, CaseEvent, Task
from cases.states import CaseStatus, SourceChannel
from cases.tests.conftest import photo
from catalog.models import FilingStandard
from hotline import services
from hotline.models import ImportRejection, RunStatus
from hotline.tests.conftest import (
    HIST_HEADER,
    T0,
    closed_times,
    fmt,
    hist_row,
    point,
    write_csv,
)
from intake import services as intake_services
from intake.models import IntakeReport, Outcome

pytestmark = pytest.mark.django_db

START = T0 - timedelta(days=7)  # Monday 2026-11-16 09:00, a plain working day
CASE_FIELDS = (
    "status",
    "version",
    "source",
    "trusted",
    "priority",
    "category_id",
    "standard_id",
    "grid_id",
    "area_id",
    "area_path",
    "area_class",
    "lon",
    "lat",
    "reported_at",
    "verified_at",
    "filed_at",
    "dispatched_at",
    "disposed_at",
    "check_passed_at",
    "closed_at",
    "dispatch_round",
    "returned_count",
    "rework_count",
    "needs_fallback",
    "updated_at",
)
TASK_FIELDS = (
    "department_id",
    "round",
    "is_lead",
    "status",
    "time_limit",
    "time_unit",
    "extended",
    "started_at",
    "deadline_at",
    "paused_at",
    "paused_seconds",
    "accepted_at",
    "disposed_at",
    "rework_count",
)


def import_rows(tmp_path, rows, name="history.csv", **kwargs):
    return services.import_file(
        path=write_csv(tmp_path / name, HIST_HEADER, rows), historical=True, **kwargs
    )


def live_closed_case(staff, roads, manhole, *, start=START):
    """A 12345 call driven through intake and every case service, at the times of hist_row."""
    at = closed_times(start)
    lon, lat = point(0)
    case = intake_services.receive_report(
        source=SourceChannel.HOTLINE_12345,
        description="Manhole cover missing",
        lon=lon,
        lat=lat,
        category=manhole,
        external_id="LIVE-1",
        now=at["来电时间"],
    ).case
    case_services.case_verify(case=case, actor=staff["alpha_inspector"], now=at["核实时间"])
    case_services.case_file(
        case=case,
        actor=staff["shift_leader"],
        standard=FilingStandard.objects.get(code="01001-01"),
        now=at["立案时间"],
    )
    [task] = case_services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=at["派遣时间"]
    )
    disposer = staff["roads_disposer"]
    case_services.task_accept(task=task, actor=disposer, now=at["接收时间"])
    case_services.task_dispose(task=task, actor=disposer, photos=[photo()], now=at["处置时间"])
    inspector = staff["alpha_inspector"]
    case_services.case_start_check(case=case, actor=inspector, now=at["核查开始时间"])
    case_services.case_check_pass(case=case, actor=inspector, now=at["核查通过时间"])
    case_services.case_close(case=case, actor=staff["shift_leader"], now=at["结案时间"])
    return Case.objects.get(pk=case.pk)


def timeline(case):
    return [
        (e.action, e.from_status, e.to_status, e.at, e.task.department_id if e.task else None,
         e.reason, e.note)
        for e in selectors.case_timeline(case)
    ]  # fmt: skip


def test_a_historical_case_looks_exactly_like_a_live_one(
    city, staff, roads, manhole, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    live = live_closed_case(staff, roads, manhole)

    run = import_rows(tmp_path, [hist_row(0, start=START, 诉求内容="Manhole cover missing")])

    assert run.created == 1, list(run.rejections.values_list("reason", flat=True))
    hist = Case.objects.get(source_ref="H-000000")
    for name in CASE_FIELDS:
        assert getattr(hist, name) == getattr(live, name), name
    assert timeline(hist) == timeline(live)
    assert hist.version == hist.events.count() == 9
    live_data = {e.action: e.data for e in live.events.all()}
    hist_data = {e.action: e.data for e in hist.events.all()}
    assert hist_data["dispatch"] == live_data["dispatch"]
    assert hist_data["file"] == live_data["file"]
    assert hist_data["dispose"]["on_time"] is live_data["dispose"]["on_time"] is True
    [live_task] = selectors.case_tasks(live)
    [hist_task] = selectors.case_tasks(hist)
    for name in TASK_FIELDS:
        assert getattr(hist_task, name) == getattr(live_task, name), name
    for now in (START, START + timedelta(hours=1, minutes=50), T0):
        lights = [light for _, light in selectors.with_lights([live_task, hist_task], now)]
        assert lights[0] == lights[1]
    assert sla.traffic_light(hist_task, T0) == sla.Light.GREEN  # disposed on time
    visible = selectors.case_list(user=staff["shift_leader"], status=CaseStatus.CLOSED)
    assert set(visible) == {live, hist}
    assert selectors.case_get(user=staff["shift_leader"], number=hist.number) == hist
    report = IntakeReport.objects.get(case=hist)
    assert (report.source, report.external_id, report.outcome) == (
        SourceChannel.HOTLINE_12345,
        "H-000000",
        Outcome.CREATED,
    )


def test_case_numbers_come_from_the_daily_sequence_live_reports_use(city, tmp_path, receive):
    run = import_rows(tmp_path, [hist_row(i, start=START) for i in range(3)])

    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert run.created == 3
    assert numbers == [f"NB2026111600{n:03d}" for n in (1, 2, 3)]
    later = receive(now=START + timedelta(hours=6)).case
    assert later.number == "NB2026111600004"


def one_percent_bad() -> list[list]:
    rows = [hist_row(i) for i in range(200)]
    rows[9] = hist_row(9, 处置时间=fmt(T0 - timedelta(days=31)))  # before it was dispatched
    rows[119] = hist_row(119, 分类代码="99999")
    return rows


def test_a_file_with_1_percent_bad_rows_loads_the_good_rows_and_reports_every_bad_one(
    city, tmp_path
):
    run = import_rows(tmp_path, one_percent_bad())

    assert run.status == RunStatus.DONE
    assert (run.rows, run.created, run.rejected) == (200, 198, 2)
    assert Case.objects.count() == 198
    assert CaseEvent.objects.count() == 198 * 9 and Task.objects.count() == 198
    assert set(Case.objects.values_list("version", flat=True)) == {9}
    bad = list(ImportRejection.objects.filter(run=run).values_list("line", "reason"))
    assert (
        bad[0][0] == 11 and "处置时间 (2026-10-23 09:00:00+08:00) is before 接收时间" in bad[0][1]
    )
    assert bad[1] == (
        121,
        "No category '99999' in the catalogue (give its 5-digit code or exact name).",
    )


def test_re_running_the_file_adds_nothing(city, tmp_path):
    import_rows(tmp_path, one_percent_bad())
    counts = (Case.objects.count(), CaseEvent.objects.count(), IntakeReport.objects.count())

    again = import_rows(tmp_path, one_percent_bad())

    assert (again.created, again.skipped, again.rejected) == (0, 198, 2)
    assert (Case.objects.count(), CaseEvent.objects.count(), IntakeReport.objects.count()) == counts


def test_live_and_historical_imports_share_the_work_order_numbers(city, tmp_path):
    """A ticket loaded as history is not reported again by a live import, and vice versa."""
    import_rows(tmp_path, [hist_row(0)])
    header = ["工单编号", "诉求内容", "经度", "纬度"]
    lon, lat = point(5)
    run = services.import_file(
        path=write_csv(tmp_path / "live.csv", header, [["H-000000", "again", lon, lat]])
    )
    assert (run.created, run.skipped) == (0, 1)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"状态": "dispatched"}, "状态 is 'dispatched': the historical import loads finished"),
        ({"状态": "处理中"}, "状态: '处理中' is not one of reported, verifying"),
        ({"处置部门代码": ""}, "处置部门代码 is empty."),
        ({"处置部门代码": "NOPE"}, "No department 'NOPE'"),
        ({"经度": "120.0", "纬度": "30.0"}, "lies outside every unit grid"),
        ({"经度": "121.6"}, "lies outside every unit grid"),
        ({"经度": "abc"}, "经度: 'abc' is not a number."),
        ({"经度": ""}, "Give both 经度 and 纬度, or neither."),
        ({"网格编码": "330203001002001"}, "lies in grid 330203001001003, not in 330203001002001"),
        ({"网格编码": "330203001009009"}, "No unit grid '330203001009009'"),
        ({"结案时间": ""}, "结案时间 is empty (a closed case was filed"),
        ({"立案时间": "yesterday"}, "立案时间: 'yesterday' is not a date and time"),
        (
            {"核查通过时间": fmt(T0 - timedelta(days=31))},
            "核查通过时间 (2026-10-23 09:00:00+08:00) is before 核查开始时间",
        ),
        ({"结案时间": fmt(T0 + timedelta(days=400))}, "is in the future"),
        ({"来电类型": "微信"}, "来电类型: '微信' is not one of"),
        ({"分类代码": "01005"}, "has no active filing standard"),
        ({"作废时间": fmt(T0)}, "作废时间 is set on a closed case."),
        (
            {"状态": "作废", "作废原因": "not ours"},
            "派遣时间 is set, but a voided case was never dispatched.",
        ),
        ({"诉求内容": ""}, "诉求内容 is empty."),
    ],
)
def test_every_bad_row_is_rejected_with_its_reason(city, tmp_path, change, reason):
    run = import_rows(tmp_path, [hist_row(0, **change)])

    assert (run.created, run.rejected) == (0, 1)
    rejection = run.rejections.get()
    assert rejection.line == 2 and rejection.external_id == "H-000000"
    assert reason in rejection.reason
    assert Case.objects.count() == 0


def test_a_repeated_work_order_in_one_file_is_rejected(city, tmp_path):
    run = import_rows(tmp_path, [hist_row(0), hist_row(1, 工单编号="H-000000")])

    assert (run.created, run.rejected) == (1, 1)
    assert (
        run.rejections.get().reason == "工单编号 H-000000 appears on an earlier line of this file."
    )


def test_a_voided_case_has_report_then_void(city, tmp_path):
    voided = {k: "" for k in HIST_HEADER if k.endswith("时间")}
    voided.update(
        状态="作废",
        处置部门代码="",
        来电时间=fmt(START),
        作废时间=fmt(START + timedelta(hours=1)),
        作废原因="Outside our remit",
    )
    row = hist_row(0, **voided)
    run = import_rows(tmp_path, [row])

    assert run.created == 1, list(run.rejections.values_list("reason", flat=True))
    case = Case.objects.get()
    assert (case.status, case.version, case.dispatch_round, case.standard_id) == (
        CaseStatus.VOIDED, 2, 0, None)  # fmt: skip
    assert [(a, f, t, r) for a, f, t, _, _, r, _ in timeline(case)] == [
        ("report", "", "verifying", ""),
        ("void", "verifying", "voided", "Outside our remit"),
    ]
    assert not case.tasks.exists()


def test_missing_optional_times_are_inferred_and_recorded(city, tmp_path):
    run = import_rows(
        tmp_path, [hist_row(0, 核实时间="", 接收时间="", 核查开始时间="", 核查通过时间="")]
    )

    assert run.created == 1
    case = Case.objects.get()
    events = {e.action: e.at for e in case.events.all()}
    assert "start_check" not in events and case.version == 8
    assert events["verify"] == events["file"] and events["accept"] == events["dispatch"]
    assert events["check_pass"] == events["close"]
    payload = IntakeReport.objects.get(case=case).payload
    assert payload["data"]["inferred"] == ["verified_at", "accepted_at", "check_passed_at"]
    assert payload["data"]["historical"] is True


def test_a_late_disposal_is_recorded_as_late_and_lights_red(city, tmp_path):
    start = START
    run = import_rows(
        tmp_path,
        [hist_row(0, start=start, 处置时间=fmt(start + timedelta(hours=5)),
                  核查开始时间="", 核查通过时间="", 结案时间=fmt(start + timedelta(hours=6)))],
    )  # fmt: skip

    assert run.created == 1, list(run.rejections.values_list("reason", flat=True))
    task = Task.objects.select_related("case").get()
    dispose = task.case.events.get(action="dispose")
    assert dispose.data["on_time"] is False
    assert sla.traffic_light(task, T0) == sla.Light.RED


def test_a_dry_run_checks_every_row_and_writes_nothing(city, tmp_path):
    run = import_rows(tmp_path, one_percent_bad(), dry_run=True)

    assert (run.created, run.rejected, run.dry_run) == (198, 2, True)
    assert Case.objects.count() == 0 and IntakeReport.objects.count() == 0
    assert run.rejections.count() == 2


def test_small_batches_give_the_same_result(city, tmp_path):
    run = import_rows(tmp_path, one_percent_bad(), batch_size=7)

    assert (run.created, run.rejected) == (198, 2)
    assert Case.objects.count() == 198
    assert CaseEvent.objects.filter(action="close").count() == 198


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_batches_are_written_on_a_second_connection_while_reading(city, tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pipelined COPY path is PostgreSQL only")
    run = import_rows(tmp_path, one_percent_bad(), batch_size=50)

    assert (run.created, run.rejected) == (198, 2)
    assert Case.objects.count() == 198 and CaseEvent.objects.count() == 198 * 9
    again = import_rows(tmp_path, one_percent_bad(), batch_size=50)
    assert (again.created, again.skipped) == (0, 198)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_the_fact_backfill_writes_on_a_second_connection_too(
    city, tmp_path, monkeypatch
):
    import threading

    from django.db import connection

    from evaluation import facts, rollups
    from evaluation.models import CaseFact, TaskFact

    if connection.vendor != "postgresql":
        pytest.skip("the pipelined backfill is PostgreSQL only")
    import_rows(tmp_path, one_percent_bad(), batch_size=50)
    threads = set()
    store = facts.store

    def recorded(task_facts, case_rows):
        threads.add(threading.current_thread().name)
        return store(task_facts, case_rows)

    monkeypatch.setattr(facts, "store", recorded)
    monkeypatch.setattr(facts, "BACKFILL_CHUNK", 40)
    written = facts.backfill(Case.objects.all())

    assert threads == {"evaluation-backfill"}
    assert TaskFact.objects.count() == 198 and CaseFact.objects.count() == 198
    assert written == 2 * 198
    assert rollups.check(fix=False) == []


def test_the_source_systems_own_deadline_is_kept_and_counts_for_on_time(city, manhole, tmp_path):
    """A 截止时间 column: the imported task keeps the source's deadline, so the on-time rate of
    an imported year is the source system's, not recomputed from today's standards."""
    from evaluation.facts import backfill
    from evaluation.models import TaskFact

    header = [*HIST_HEADER, "截止时间"]
    at = closed_times(START)
    rows = [
        [*hist_row(0, start=START), fmt(at["处置时间"] - timedelta(minutes=1))],  # late by 1 min
        [*hist_row(1, start=START), ""],  # no deadline given: the standard's limit
        [*hist_row(2, start=START), fmt(at["派遣时间"] - timedelta(minutes=1))],  # before dispatch
    ]
    run = services.import_file(
        path=write_csv(tmp_path / "deadlines.csv", header, rows), historical=True
    )
    assert run.created == 2 and run.rejected == 1
    [problem] = [r.reason for r in run.rejections.all()]
    assert "截止时间" in problem and "派遣时间" in problem
    late = Task.objects.get(case__source_ref="H-000000")
    assert late.deadline_at == at["处置时间"] - timedelta(minutes=1)
    backfill(Case.objects.all())
    on_time = dict(TaskFact.objects.values_list("case__source_ref", "on_time"))
    assert on_time == {"H-000000": False, "H-000001": True}


def test_a_historical_text_longer_than_kept_is_cut_and_noted(city, tmp_path):
    long_text = "井盖缺失。" * 1000  # 5,000 characters
    run = import_rows(tmp_path, [hist_row(0, 诉求内容=long_text), hist_row(1)])
    assert (run.created, run.cut) == (2, 1)
    assert len(Case.objects.get(source_ref="H-000000").description) == 4000
    (note,) = run.notes.all()
    assert note.external_id == "H-000000"
    assert note.fields["description"]["full"] == long_text


def test_the_source_systems_on_time_flag_wins_over_any_deadline(city, manhole, tmp_path):
    """A 是否按期 column: the source's own verdict. Where the deadline (given or computed from
    the standard) says otherwise, the deadline moves just enough to agree, so the task, the
    disposal's trail and every evaluation fact say what the source said."""
    from evaluation.facts import backfill
    from evaluation.models import CaseFact, TaskFact

    header = [*HIST_HEADER, "截止时间", "是否按期"]
    at = closed_times(START)
    early, late = fmt(at["处置时间"] + timedelta(hours=1)), fmt(at["处置时间"] - timedelta(hours=1))
    rows = [
        [*hist_row(0, start=START), late, "是"],  # late by its deadline; the source says on time
        [*hist_row(1, start=START), early, "超期"],  # on time by it; the source says late
        [*hist_row(2, start=START), "", ""],  # no verdict: the standard's limit decides
        [*hist_row(3, start=START), "", "也许"],  # neither yes nor no
    ]
    run = services.import_file(
        path=write_csv(tmp_path / "verdicts.csv", header, rows), historical=True
    )
    assert run.created == 3 and run.rejected == 1
    [problem] = [r.reason for r in run.rejections.all()]
    assert "是否按期" in problem and "也许" in problem
    said_on_time, said_late = (Task.objects.get(case__source_ref=f"H-00000{i}") for i in (0, 1))
    assert said_on_time.deadline_at == said_on_time.disposed_at  # moved later, to the disposal
    assert said_late.deadline_at == said_late.disposed_at - timedelta(seconds=1)  # and earlier
    backfill(Case.objects.all())
    tasks = dict(TaskFact.objects.values_list("case__source_ref", "on_time"))
    cases = dict(CaseFact.objects.values_list("case__source_ref", "on_time"))
    assert tasks == cases == {"H-000000": True, "H-000001": False, "H-000002": True}
    trail = CaseEvent.objects.filter(case__source_ref="H-000001", action="dispose").get()
    assert trail.data["on_time"] is False


def _voided_row(i: int, *, filed: bool) -> list:
    voided = {k: "" for k in HIST_HEADER if k.endswith("时间")}
    voided.update(
        状态="作废",
        处置部门代码="",
        来电时间=fmt(START + timedelta(minutes=i)),
        作废时间=fmt(START + timedelta(hours=1, minutes=i)),
        作废原因="Outside our remit",
    )
    if filed:
        voided["立案时间"] = fmt(START + timedelta(minutes=30 + i))
    return hist_row(i, **voided)


def test_the_import_writes_the_evaluation_facts_the_backfill_would_write(city, tmp_path):
    """Issue 14: "the historical import writes the same facts in bulk". Every imported case
    and task has its facts at once (closed, late, voided after filing; none for a case voided
    before filing), equal field by field to what the backfill computes from the case tables,
    and the rollups hold exactly their sums."""
    from evaluation import facts, rollups
    from evaluation.models import CaseFact, DepartmentRollup, RegionRollup, TaskFact

    at = closed_times(START)
    late = hist_row(2, start=START, 处置时间=fmt(at["派遣时间"] + timedelta(days=5)),
                    核查开始时间="", 核查通过时间="", 结案时间=fmt(at["派遣时间"] + timedelta(days=6)))  # fmt: skip
    rows = [hist_row(0), hist_row(1), late, _voided_row(3, filed=True), _voided_row(4, filed=False)]
    run = import_rows(tmp_path, rows, batch_size=2)
    assert run.created == 5, list(run.rejections.values_list("reason", flat=True))

    stored_tasks = {f.task_id: f for f in TaskFact.objects.all()}
    stored_cases = {f.case_id: f for f in CaseFact.objects.all()}
    assert len(stored_tasks) == 3 and len(stored_cases) == 4  # the unfiled void has none
    expected_tasks, expected_cases = facts.computed(facts.filed_ids(Case.objects.all()))
    for expected, stored, key, names in (
        (expected_tasks, stored_tasks, "task_id", facts.FACT_FIELDS),
        (expected_cases, stored_cases, "case_id", facts.CASE_FACT_FIELDS),
    ):
        assert sorted(stored) == sorted(getattr(f, key) for f in expected)
        for fact in expected:
            mine = stored[getattr(fact, key)]
            assert {n: getattr(mine, n) for n in names} == {n: getattr(fact, n) for n in names}
    on_time = dict(TaskFact.objects.values_list("case__source_ref", "on_time"))
    assert on_time == {"H-000000": True, "H-000001": True, "H-000002": False}
    assert rollups.check(fix=False) == []
    assert DepartmentRollup.objects.exists() and RegionRollup.objects.exists()

    # The backfill afterwards finds nothing to change, in the facts or their sums.
    before = sorted(RegionRollup.objects.values_list("grain", "day", "area_path", "filed"))
    facts.backfill(Case.objects.all())
    assert rollups.check(fix=False) == []
    assert sorted(RegionRollup.objects.values_list("grain", "day", "area_path", "filed")) == before


def test_a_dry_run_writes_no_facts_either(city, tmp_path):
    from evaluation.models import CaseFact, RegionRollup, TaskFact

    run = import_rows(tmp_path, [hist_row(0)], dry_run=True)
    assert run.created == 1
    assert not (TaskFact.objects.exists() or CaseFact.objects.exists())
    assert not RegionRollup.objects.exists()
