"""Browser: staff pages at phone width (390 px, Chinese) never scroll sideways.

A leader checks the workbench on the phone, anyone may open a case from an SMS link, the
inspector works from the 核实/核查 list: each page must fit the screen (tables scroll inside
their own box, long case numbers wrap), or the page slides under the thumb.
SHOTS=/some/dir saves a screenshot of each page there (to look at them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cases.services.reporting import case_report
from cases.states import SourceChannel
from cases.tests.conftest import (  # noqa: F401 - fixtures: the case flow and its staff
    alpha_office,
    flow,
    grid,
    received,
    roads,
    staff,
    standard,
    t0,
)
from web.tests.conftest import csp_violations, watch_csp
from web.tests.test_browser_lifecycle import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = PHONE["viewport"]["width"]


@pytest.fixture
def cases(staff, small_city, flow, roads, alpha_office, grid):  # noqa: F811
    """A trusted and an unverified report in grid Alpha-1 and a joint case, made before the
    browser starts."""
    joint, _tasks = flow.dispatched(departments=[roads, alpha_office], lead=roads)
    made = [
        received(
            case_report(
                actor=staff["alpha_inspector"] if trusted else None,
                source=SourceChannel.INSPECTOR if trusted else SourceChannel.CITIZEN,
                description="窨井盖缺失，学校门口，行人容易踩空，请尽快处理" * 2,
                grid=grid,
                lon=121.505,
                lat=29.865,
                address="阿尔法路12号学校门口东侧人行道",
            )
        )
        for trusted in (True, False)
    ]
    return [*made, joint]


def phone_page(browser, base: str, username: str):
    """A phone (390 px, Chinese) logged in as ``username``."""
    return log_in(browser, base, username, locale="zh-CN", **PHONE)


def overflow(page) -> list[str]:
    """The elements wider than the screen (empty when nothing scrolls sideways)."""
    return page.evaluate(
        """(width) => {
            const wide = [];
            if (document.documentElement.scrollWidth > width) {
                for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > width + 1 && getComputedStyle(el).position !== 'fixed'
                        && !el.closest('.table-scroll')) {
                        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                            + (el.className && typeof el.className === 'string'
                               ? '.' + el.className.split(' ').join('.') : ''));
                    }
                }
                wide.unshift('scrollWidth=' + document.documentElement.scrollWidth);
            }
            return wide.slice(0, 12);
        }""",
        WIDTH,
    )


def test_staff_pages_fit_a_phone(live_server, cases, browser_page):
    browser = browser_page.context.browser
    base = live_server.url
    trusted, _unverified, joint = cases
    shots = os.environ.get("SHOTS")
    from django.utils import timezone

    from signs import services as signs

    signs.compute_day(timezone.localdate())  # the sign index page has a day to show
    pages = {
        "city_leader": [
            "/cases/",
            "/cases/?queue=all",
            f"/cases/{joint.number}/",
            "/",
            "/evaluation/",
            "/evaluation/regions/?tier=street",
            "/signs/",
            "/map/",
            "/m/",
            "/evaluation/bulletin/",
        ],
        "shift_leader": ["/cases/?queue=reported", f"/cases/{trusted.number}/"],
        "alpha_inspector": ["/cases/m/inspect/", "/intake/m/report/"],
    }
    usernames = {
        "city_leader": "leader",
        "shift_leader": "shift_leader",
        "alpha_inspector": "inspector_alpha",
    }
    found = {}
    blocked = {}
    for persona, paths in pages.items():
        page = phone_page(browser, base, usernames[persona])
        watch_csp(page.context)
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            # Nothing on the page is refused by the Content-Security-Policy (no inline script).
            if violations := csp_violations(page):
                blocked[f"{persona} {path}"] = violations
            wide = overflow(page)
            if shots:
                name = f"{persona}{path.replace('/', '_').replace('?', '_')}.png"
                page.screenshot(path=str(Path(shots) / name), full_page=True)
            if wide:
                found[f"{persona} {path}"] = wide
        page.context.close()
    assert found == {}
    assert blocked == {}
