"""Browser: a case from the inspector's phone to closed, every move made through the pages.

inspector (phone, GPS) reports with a photo -> shift leader files it (category picked through
htmx) -> dispatcher dispatches it from the workbench -> disposer (phone) accepts and disposes
with an after-photo -> inspector (phone) passes the on-site check with a photo -> shift leader
closes it, and the case page shows it closed with its whole timeline.
"""

from __future__ import annotations

import pytest

from cases.factories import CategoryFactory, FilingStandardFactory, image_bytes
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from org.factories import DEFAULT_PASSWORD
from org.models import Department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ALPHA_1 = {"longitude": 121.505, "latitude": 29.865}  # inside grid 330203001001001
WAIT = 15_000


def upload(name: str, fmt: str) -> dict:
    mime = {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]
    return {"name": name, "mimeType": mime, "buffer": image_bytes(fmt, (320, 240))}


def log_in(browser, base: str, username: str, *, locale: str = "en-US", **context_options):
    """A page logged in as ``username``, in English (/en/) or, with ``locale="zh-CN"``, in the
    default Chinese."""
    context = browser.new_context(locale=locale, **context_options)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(f"{base}/login/" if locale.startswith("zh") else f"{base}/en/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def submit(page, selector: str) -> str:
    """Click a form's button and wait for the message of the page it redirects to."""
    # Drop the current page's messages first, so only the next page's can match.
    page.evaluate("document.querySelectorAll('#messages').forEach(e => e.remove())")
    page.click(selector)
    return page.wait_for_selector("#messages .msg").inner_text()


@pytest.fixture
def rows(staff):  # noqa: F811
    """Database rows the test needs, made before the browser starts: ORM calls from the test
    body after Playwright's event loop is running would open a second database connection."""
    category = CategoryFactory(name="Manhole cover damaged")
    standard = FilingStandardFactory(
        category=category,
        filing_condition="Cover missing or broken",
        closing_condition="Cover in place",
    )
    return category, standard, Department.objects.get(code="CITY-ROADS")


def test_case_lifecycle_through_the_pages(live_server, rows, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    category, standard, roads = rows
    browser = browser_page.context.browser
    base = live_server.url

    # 1. The inspector reports from the phone: GPS location, a photo from the camera.
    inspector = log_in(
        browser,
        base,
        "inspector_alpha",
        geolocation=ALPHA_1,
        permissions=["geolocation"],
        **PHONE,
    )
    inspector.goto(f"{base}/en/intake/m/report/")
    inspector.fill("textarea[name=description]", "Manhole cover missing at the school gate")
    inspector.fill("input[name=address]", "Alpha Rd 12")
    inspector.set_input_files("input[name=photos]", files=[upload("before.jpg", "JPEG")])
    inspector.wait_for_selector("#report-map[data-pin]")
    located = (inspector.input_value("input[name=lon]"), inspector.input_value("input[name=lat]"))
    assert located == ("121.5050000", "29.8650000")  # the phone's fix, in the form's hidden fields
    assert submit(inspector, "#report-form button[type=submit]").startswith("Reported as case")
    number = inspector.inner_text("#case-number")
    assert inspector.get_attribute("#case-status", "data-status") == "reported"

    # 2. The shift leader files it: picking the category loads its standards (htmx).
    leader = log_in(browser, base, "shift_leader")
    leader.goto(f"{base}/en/cases/{number}/")
    # The inspector's words already suggested the category (intake); choosing it again still
    # reloads the standards, so wait for that answer before picking one (it replaces the select).
    with leader.expect_response(lambda r: "/standards/" in r.url):
        leader.select_option("#id_file_category", str(category.pk))
    leader.wait_for_selector(f"#id_file_standard option[value='{standard.pk}']", state="attached")
    leader.select_option("#id_file_standard", str(standard.pk))
    done = "{}: done on case " + number + "."
    assert submit(leader, "form[data-move=file] button[type=submit]") == done.format("File 立案")
    assert leader.get_attribute("#case-status", "data-status") == "filed"

    # 3. The dispatcher dispatches it from the workbench's filed queue.
    dispatcher = log_in(browser, base, "dispatcher")
    dispatcher.goto(f"{base}/en/cases/")  # a dispatcher starts at the filed queue
    row = f"#case-table tr[data-case='{number}']"
    dispatcher.wait_for_selector(row)
    # Filters reload the table through htmx and keep the URL in step.
    dispatcher.select_option("#id_source", "hotline_12345")
    dispatcher.wait_for_selector(row, state="detached")
    dispatcher.select_option("#id_source", "inspector")
    dispatcher.wait_for_selector(row)
    dispatcher.wait_for_url(lambda url: "source=inspector" in url and "queue=filed" in url)
    dispatcher.check(f"input[name=cases][value='{number}']")
    dispatcher.select_option("#bulk-department", str(roads.pk))
    dispatched = submit(dispatcher, "#bulk button[type=submit]")
    assert dispatched == f"Dispatched 1 case(s): {number}."

    # 4. The disposer (phone) accepts, then disposes with an after-photo.
    disposer = log_in(browser, base, "disposer_roads", **PHONE)
    disposer.goto(f"{base}/en/cases/m/tasks/")
    card = f"article[data-case='{number}']"
    accept = f"{card} form[data-move=accept] button[type=submit]"
    assert submit(disposer, accept) == done.format("Accept 接收")
    disposer.fill(f"{card} form[data-move=dispose] textarea[name=note]", "New cover fitted")
    disposer.set_input_files(
        f"{card} form[data-move=dispose] input[name=photos]", files=[upload("after.png", "PNG")]
    )
    dispose = f"{card} form[data-move=dispose] button[type=submit]"
    assert submit(disposer, dispose) == done.format("Dispose 处置")
    assert disposer.locator(card).count() == 0

    # 5. The inspector checks on site and passes it, with a photo.
    inspector.goto(f"{base}/en/cases/m/inspect/")
    form = f"#to-check article[data-case='{number}'] form[data-move=check_pass]"
    inspector.set_input_files(f"{form} input[name=photos]", files=[upload("check.jpg", "JPEG")])
    assert submit(inspector, f"{form} button[type=submit]") == done.format("Check passed 核查通过")

    # 6. The shift leader closes it; the page shows it closed with the whole timeline.
    leader.goto(f"{base}/en/cases/{number}/")
    assert submit(leader, "form[data-move=close] button[type=submit]") == done.format("Close 结案")
    assert leader.get_attribute("#case-status", "data-status") == "closed"
    actions = leader.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions == ["report", "file", "dispatch", "accept", "dispose", "check_pass", "close"]
    timeline = leader.inner_text("#timeline")
    assert "Reason" not in timeline and "New cover fitted" in timeline
    assert leader.locator("#case-photos img").count() == 3
    assert leader.locator("#no-moves").count() == 1
