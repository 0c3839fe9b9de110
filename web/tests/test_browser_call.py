"""Browser: the 12345 call desk. The acceptor finds the caller's place by words, the panel warns
that the same problem is open there already, and saving attaches the call to that case."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from catalog.models import Category, CategoryKind
from intake import services
from intake.models import IntakeReport
from web.tests.test_browser_lifecycle import log_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALPHA = {"lon": 121.505, "lat": 29.865}  # inside grid 330203001001001


@pytest.fixture
def known(staff):  # noqa: F811
    """An open case (a citizen's report this morning) of a water manhole cover at the school."""
    manhole = Category.objects.get(kind=CategoryKind.COMPONENT, code="01001")
    case = services.receive_report(
        source="citizen",
        description="供水井盖破损",
        address="Alpha Road School gate",
        category=manhole,
        **ALPHA,
    ).case
    return case, manhole


def test_a_call_about_a_known_problem_is_warned_and_attached(live_server, known, browser_page):
    case, manhole = known
    base = live_server.url
    desk = log_in(browser_page.context.browser, base, "shift_leader")
    desk.goto(f"{base}/en/cases/")
    desk.click("#nav-call")
    desk.wait_for_selector("#call-map[data-ready='1']")
    desk.fill("textarea[name=description]", "井盖坏了，车辆经过很危险")
    desk.fill("input[name=caller_name]", "Mr Wang")
    desk.fill("input[name=caller_phone]", "13800000000")
    desk.fill("input[name=place]", "School gate")
    desk.click("#place-results button.place[data-kind=address]")
    assert desk.input_value("input[name=address]") == "Alpha Road School gate"
    assert desk.get_attribute("#call-map", "data-pin").startswith("121.505")
    desk.select_option("select[name=category]", str(manhole.pk))
    warning = desk.wait_for_selector("#duplicate-warning")
    assert case.number in warning.inner_text()
    assert desk.locator(f"#nearby-cases li[data-case='{case.number}']").count() == 1
    message = submit(desk, "#save-call")
    assert "attached to open case" in message and case.number in message
    assert desk.url.endswith("/en/intake/call/")  # ready for the next call
    assert Case.objects.count() == 1
    assert IntakeReport.objects.filter(case=case).count() == 2
