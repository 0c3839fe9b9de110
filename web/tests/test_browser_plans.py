"""Browser, on a phone: a crew member opens today's planned work from the mobile entry, answers
the checklist (a "problem" answer starts a report with the item written in), reports the
problem as a case in one tap, completes the order with photo and the phone's position while
the signal is gone (the outbox sends it when it returns), and the centre inspects it (抽查),
a failure opening rework. SHOTS=/some/dir saves screenshots."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from areas.models import UnitGrid
from cases.factories import image_bytes
from cases.models import Case
from cases.states import SourceChannel
from cases.tests.conftest import staff  # noqa: F401 - fixture: the case tests' staff
from catalog.models import Category, CategoryKind
from org.models import Department
from plans import services
from plans.models import Frequency, OrderStatus, Plan, PlanItem, WorkOrder
from web.tests.test_browser_lifecycle import ALPHA_1, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GRID = "330203001001001"


def _shot(page, name: str) -> None:
    if os.environ.get("SHOTS"):
        page.screenshot(path=str(Path(os.environ["SHOTS"]) / name), full_page=True)


def _settled(query, seconds: float = 10.0):
    """``query()`` once the live server's request has finished writing (SQLite's shared
    in-memory database reports its table locked meanwhile)."""
    import time

    from django.db import OperationalError

    end = time.monotonic() + seconds
    while True:
        try:
            return query()
        except OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


@pytest.fixture
def todays_round(staff):  # noqa: F811
    plan = Plan.objects.create(
        name="道路清扫 Alpha-1",
        department=Department.objects.get(code="ST-ALPHA"),
        category=Category.objects.filter(kind=CategoryKind.EVENT, code="06012").first(),
        frequency=Frequency.EVERY_DAY,
        times=["00:00"],
        minutes_allowed=24 * 60 - 1,
        checklist=["路面无垃圾", "果皮箱已清"],
        starts_on=date(2026, 1, 1),
        sample_share=1,
    )
    grid = UnitGrid.objects.get(code=GRID)
    PlanItem.objects.create(plan=plan, grid=grid, area_path=grid.path)
    from plans import scheduler

    assert scheduler.generate(timezone.localdate()) == 1
    return WorkOrder.objects.get(plan=plan)


def test_a_crew_does_its_round_on_the_phone_and_the_centre_inspects_it(
    live_server, todays_round, browser_page
):
    order = todays_round
    browser = browser_page.context.browser
    page = log_in(browser, live_server.url, "disposer_alpha", locale="zh-CN",
                  geolocation=ALPHA_1, permissions=["geolocation"], **PHONE)  # fmt: skip
    page.goto(f"{live_server.url}/m/")
    page.click("#planned-work")
    page.wait_for_selector(f"tr[data-order='{order.pk}']")
    _shot(page, "plans_orders_phone.png")
    page.click(f"tr[data-order='{order.pk}'] a")
    page.wait_for_selector("#complete-form")
    # The phone's position fills the proof.
    page.wait_for_function("() => document.querySelector('#complete-form input[name=lon]').value")
    assert page.locator("#position-status").inner_text().startswith("已获取位置")

    # "Problem" on an item opens the report with the item written in; one tap sends it.
    page.check("input[name=answer_1][value=problem]")
    assert page.locator("#problem").get_attribute("open") is not None
    assert "果皮箱已清" in page.locator("#problem textarea[name=description]").input_value()
    page.set_input_files(
        "#problem-form input[name=photos]",
        files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}],
    )
    page.click("#problem-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    case = _settled(lambda: Case.objects.get())
    assert case.source == SourceChannel.PLANNED_WORK and case.grid.code == GRID

    # No signal: the completion waits on the phone and goes when the signal returns.
    page.wait_for_function("() => document.querySelector('#complete-form input[name=lon]').value")
    page.check("input[name=answer_0][value=ok]")
    page.check("input[name=answer_1][value=ok]")
    page.set_input_files(
        "#complete-form input[name=photo]",
        files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}],
    )
    page.context.set_offline(True)
    page.click("#complete-form button[type=submit]")
    page.wait_for_selector("#offline-saved:not([hidden])")
    _shot(page, "plans_order_offline.png")
    assert _settled(lambda: WorkOrder.objects.get(pk=order.pk).status) == OrderStatus.OPEN
    page.context.set_offline(False)
    page.evaluate("window.cityopsOutbox.flush()")
    page.wait_for_selector("#outbox[hidden]", state="attached", timeout=20_000)
    done = _settled(lambda: WorkOrder.objects.get(pk=order.pk))
    assert done.status == OrderStatus.DONE and done.photo.name
    assert done.answers == {"路面无垃圾": "正常", "果皮箱已清": "正常"}
    assert abs(done.lon - ALPHA_1["longitude"]) < 1e-5

    # The centre's 抽查: the order was sampled; a failure opens rework for the same crew.
    assert services.sample(timezone.localdate()) == 1
    centre = log_in(browser, live_server.url, "shift_leader", locale="zh-CN", **PHONE)
    centre.goto(f"{live_server.url}/plans/operators/")
    centre.click("tr[data-operator='ST-ALPHA'] td:last-child a")  # 待抽查
    centre.click(f"tr[data-order='{order.pk}'] a")
    centre.check("#inspect-form input[value=failed]")
    centre.fill("#inspect-form input[name=note]", "路面仍有垃圾")
    centre.click("#inspect-form button[type=submit]")
    centre.wait_for_selector(".msg-success")
    _shot(centre, "plans_inspected_phone.png")
    rework = _settled(lambda: WorkOrder.objects.get(rework_of_id=order.pk))
    assert rework.status == OrderStatus.OPEN and rework.department_id == order.department_id
