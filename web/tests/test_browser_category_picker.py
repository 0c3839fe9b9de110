"""Browser: the inspector finds the category by pinyin initials on the phone, not in one long
select; the description's suggestion comes first."""

from __future__ import annotations

import os

import pytest

from cases.models import Case
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from web.tests.test_browser_lifecycle import ALPHA_1, upload
from web.tests.test_browser_phone_width import overflow, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inspector_picks_a_category_by_pinyin(
    live_server,
    staff,  # noqa: F811 - the fixture imported above
    browser_page,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    browser = browser_page.context.browser
    page = phone_page(browser, live_server.url, "inspector_alpha")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(ALPHA_1)
    page.goto(f"{live_server.url}/intake/m/report/")
    page.wait_for_selector("#category-picker[data-ready]")
    assert not page.is_visible("select[name=category]")  # the long select gives way
    page.fill("textarea[name=description]", "学校门口井盖丢了")
    page.wait_for_selector("#category-picks button[data-why=suggested]")
    with page.expect_response(lambda r: "q=wsjg" in r.url):
        page.fill("#category-search", "wsjg")  # 污水井盖
    page.wait_for_selector("#category-picks button[data-why=match]")
    if os.environ.get("SHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["SHOTS"], "category-search.png"), full_page=True
        )
    first = page.inner_text("#category-picks button.category-pick >> nth=0")
    assert first.startswith("污水井盖")
    page.press("#category-search", "Enter")  # the first match, not a submit
    page.wait_for_selector("#category-chosen:has-text('污水井盖')")
    assert page.is_visible("#category-chosen button.change-category")
    assert page.url.endswith("/intake/m/report/")
    if os.environ.get("SHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["SHOTS"], "category-picker.png"), full_page=True
        )
    assert overflow(page) == []
    page.set_input_files("input[name=photos]", files=[upload("before.jpg", "JPEG")])
    page.wait_for_selector("#report-map[data-pin]")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(lambda url: "/cases/NB" in url)
    number = page.inner_text("#case-number")
    page.context.close()
    case = Case.objects.get(number=number)
    assert (case.category.code, case.category.name) == ("01002", "污水井盖")
