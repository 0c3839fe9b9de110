"""Browser: the loop where several people decide, through the pages (Debian chromium).

- a co-department returns its share from the phone; the dispatcher settles it from the
  待处理回退 queue and the case stays with the lead;
- an escalated task (升级督办) is seen by the target department on its phone, which presses the
  late department from its 升级到我 queue; the late department sees the 督办 on its card and
  replies; the desk approves an extension from the 待审批延期 queue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import services
from cases.factories import FilingStandardFactory
from cases.models import Case, Task
from cases.services.reporting import case_report
from cases.states import CaseStatus, SourceChannel, TaskStatus
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from core.models import TimeUnit
from dispatch import scanner
from dispatch import services as dispatch_services
from dispatch.models import EscalationRule, Supervision, SupervisionKind
from org.factories import DEFAULT_PASSWORD, DepartmentFactory
from org.models import Department, DepartmentLevel, DepartmentType, Role
from org.services import staff_create
from web.tests.test_browser_lifecycle import PHONE, log_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a plain working Monday


def open_move(page, scope: str, action: str) -> str:
    """Open the move's <details> if it is folded; return the form's selector."""
    form = f"{scope} form[data-move={action}]"
    summary = page.locator(f"{scope} details:has(form[data-move={action}]) > summary")
    if summary.count():
        summary.first.click()
    return form


def _report(people, grid_code="330203001001001", text="Manhole cover missing at the gate"):
    from areas.models import UnitGrid

    return case_report(
        actor=people["alpha_inspector"],
        source=SourceChannel.INSPECTOR,
        description=text,
        grid=UnitGrid.objects.get(code=grid_code),
        trusted=True,
        now=T0,
    )


@pytest.fixture
def joint(staff):  # noqa: F811
    """A joint case: roads lead 主办, Alpha street office co-department 协办 (made before the
    browser starts: ORM calls after Playwright's loop runs would open a second connection)."""
    standard = FilingStandardFactory(time_limit=Decimal("5"), time_unit=TimeUnit.WORK_DAY)
    case = services.case_file(
        case=_report(staff), actor=staff["shift_leader"], standard=standard, now=T0
    )
    roads = Department.objects.get(code="CITY-ROADS")
    alpha = Department.objects.get(code="ST-ALPHA")
    lead, share = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads, alpha], lead=roads, now=T0
    )
    return case, lead, share


def test_a_helpers_return_is_settled_from_the_returns_queue(live_server, joint, browser_page):
    case, lead, share = joint
    browser = browser_page.context.browser
    base = live_server.url

    helper = log_in(browser, base, "disposer_alpha", **PHONE)
    helper.goto(f"{base}/en/cases/m/tasks/")
    card = f"article[data-task='{share.pk}']"
    form = open_move(helper, card, "return")
    helper.fill(f"{form} textarea[name=reason]", "Road surface, not a street job")
    assert "Return 回退" in submit(helper, f"{form} button[type=submit]")

    desk = log_in(browser, base, "dispatcher")
    desk.goto(f"{base}/en/cases/?queue=returns")
    tab = desk.locator("a.tab[data-queue=returns] .count")
    assert tab.inner_text() == "1"
    row = f"article.queue-card[data-task='{share.pk}']"
    assert "Road surface, not a street job" in desk.locator(row).inner_text()
    form = open_move(desk, row, "settle_share")
    desk.fill(f"{form} textarea[name=reason]", "Roads covers the whole job")
    message = submit(desk, f"{form} button[type=submit]")
    assert "done on case" in message
    assert "queue=returns" in desk.url  # back on the queue, now empty
    assert desk.locator("a.tab[data-queue=returns] .count").inner_text() == "0"
    assert desk.locator(".queue .empty").count() == 1

    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert Task.objects.get(pk=lead.pk).status == TaskStatus.PENDING
    assert Task.objects.get(pk=share.pk).return_settled_at is not None


@pytest.fixture
def escalated(staff, small_city):  # noqa: F811
    """Alpha street office's task, overdue past the escalation time: escalated to the East
    district office, whose disposer acts on it; the late office has its own disposer."""
    east = DepartmentFactory(
        code="DIST-EAST",
        name="East district office",
        level=DepartmentLevel.DISTRICT,
        type=DepartmentType.TERRITORIAL,
        area=small_city.east,
    )
    staff_create(
        username="disposer_east", password=DEFAULT_PASSWORD, role=Role.DISPOSER, department=east
    )
    EscalationRule.objects.create(from_level=DepartmentLevel.STREET, after_hours=2)
    standard = FilingStandardFactory(time_limit=Decimal("4"), time_unit=TimeUnit.WORK_HOUR)
    with time_machine.travel(T0, tick=False) as clock:
        case = services.case_file(
            case=_report(staff), actor=staff["shift_leader"], standard=standard
        )
        [task] = services.case_dispatch(
            case=case,
            actor=staff["city_dispatcher"],
            departments=[Department.objects.get(code="ST-ALPHA")],
        )
        for hour, minute in ((15, 1), (17, 3)):
            clock.move_to(datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI))
            scanner.scan()
        services.task_accept(task=task, actor=staff["alpha_disposer"])
        services.task_request_extension(
            task=Task.objects.get(pk=task.pk),
            actor=staff["alpha_disposer"],
            amount=Decimal(2),
            reason="Waiting for a new cover",
        )
    assert Supervision.objects.filter(task=task, kind=SupervisionKind.ESCALATE).exists()
    # The red-light 督办 of the scanner is answered already: the next one is the target's.
    dispatch_services.reply_supervision(
        task=task, actor=staff["alpha_disposer"], note="Cover ordered"
    )
    return Case.objects.get(pk=case.pk), Task.objects.get(pk=task.pk)


def test_an_escalation_is_seen_and_acted_on_by_the_target_then_answered(
    live_server, escalated, browser_page
):
    case, task = escalated
    browser = browser_page.context.browser
    base = live_server.url

    # 1. The target department, on its phone (Chinese UI): 升级到我 with a count, and 督办.
    target = log_in(browser, base, "disposer_east", **PHONE)
    target.goto(f"{base}/cases/m/tasks/")  # zh-Hans, the default language
    tab = target.locator("a.tab[data-queue=escalated]")
    assert "升级到我" in tab.inner_text() and tab.locator(".count").inner_text() == "1"
    tab.click()
    card = f"article.queue-card[data-task='{task.pk}']"
    target.wait_for_selector(card)
    assert "Alpha street office" in target.locator(card).inner_text()
    assert target.evaluate("document.documentElement.scrollWidth") <= 390
    form = open_move(target, card, "supervise")
    target.fill(f"{form} textarea[name=note]", "今天下班前处理完并回复")
    assert "督办" in submit(target, f"{form} button[type=submit]")
    # The case page opens for it too (no 404).
    target.goto(f"{base}/cases/{case.number}/")
    assert target.locator("#case-number").inner_text() == case.number

    # 2. The late department sees the 督办 on its card and replies from it.
    late = log_in(browser, base, "disposer_alpha", **PHONE)
    late.goto(f"{base}/en/cases/m/tasks/")
    card = f"article[data-task='{task.pk}']"
    assert "今天下班前处理完并回复" in late.locator(f"{card} .pressed").inner_text()
    form = f"{card} form[data-move=supervision_reply]"
    late.fill(f"{form} textarea[name=note]", "New cover fitted by 17:00")
    assert "Reply to supervision" in submit(late, f"{form} button[type=submit]")
    assert late.locator(f"{card} .pressed").count() == 0

    # 3. The desk approves the pending extension from its queue.
    desk = log_in(browser, base, "dispatcher")
    desk.goto(f"{base}/en/cases/?queue=extensions")
    row = f"article.queue-card[data-task='{task.pk}']"
    assert "Waiting for a new cover" in desk.locator(row).inner_text()
    form = f"{row} form[data-move=approve_extension]"
    assert "done on case" in submit(desk, f"{form} button[type=submit]")
    assert desk.locator("a.tab[data-queue=extensions] .count").inner_text() == "0"

    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED and task.extended == Decimal(2)
    assert (
        Supervision.objects.filter(kind=SupervisionKind.MANUAL, replied_at__isnull=False).count()
        == 1
    )
