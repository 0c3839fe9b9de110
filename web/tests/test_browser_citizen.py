"""Browser, phone-sized (390 x 844, touch): a citizen reports with a photo, follows it, rates it.

The citizen (no login, zh-Hans default pages) takes a big photo (shrunk in the browser before
the upload), types what is wrong and taps a suggested problem type, lets the phone locate them,
then corrects the pin with a tap on the map, leaves a mobile number and sends: the receipt shows
the case number. The desk then handles the case through the services; the citizen finds it under
"my reports", sees it resolved with the after-photo, and rates it.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from PIL import Image

from cases.models import Case, Evidence
from cases.states import EvidenceKind
from cases.tests.conftest import _media, roads, staff, standard  # noqa: F401 - fixtures
from portal.models import Satisfaction
from portal.tests.conftest import desk  # noqa: F401 - fixture: the staff side, via services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
GAMMA_1 = {"longitude": 121.465, "latitude": 29.865}  # where the phone thinks it is (West)
ALPHA_1 = (121.505, 29.865)  # where the problem is: grid 330203001001001
WAIT = 15_000
BIG = (2400, 1800)  # a phone photo larger than the 1600 px the page shrinks to


def big_photo() -> bytes:
    """A noisy JPEG (noise does not compress: the shrunk copy is surely smaller)."""
    img = Image.effect_noise(BIG, 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_a_citizen_reports_with_a_photo_follows_it_and_rates_it(
    live_server,
    small_city,
    desk,  # noqa: F811 - the imported fixture
    browser_page,
):
    browser = browser_page.context.browser
    base = live_server.url
    context = browser.new_context(
        locale="zh-CN", geolocation=GAMMA_1, permissions=["geolocation"], **PHONE
    )
    context.set_default_timeout(WAIT)
    try:
        walk_through(context.new_page(), base, desk)
    finally:
        context.close()
        # The ORM calls below run while Playwright's event loop is up, on a connection of
        # their own: close it, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


def walk_through(page, base: str, desk) -> None:  # noqa: F811

    # 1. The start page (zh-Hans, no login) leads to the report form.
    page.goto(f"{base}/citizen/")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    page.tap("#start-report")
    page.wait_for_url("**/citizen/report/")

    # 2. A big photo from the phone is shrunk before it goes up.
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "IMG_2048.jpg", "mimeType": "image/jpeg", "buffer": big_photo()}],
    )
    page.wait_for_selector("input[name=photos][data-shrunk='1']", state="attached")
    assert page.locator("#photo-previews img").count() == 1

    # 3. Plain words; a suggested problem type is one tap away.
    page.fill("textarea[name=description]", "井盖坏了，晚上很危险")
    chip = page.wait_for_selector("#suggestions .p-chip")
    chosen, label = chip.get_attribute("data-category"), chip.inner_text()
    chip.tap()
    assert page.input_value("select[name=category]") == chosen

    # 4. The phone's location sets the pin; a tap on the map corrects it.
    page.wait_for_selector("#portal-map[data-pin][data-ready]")
    assert page.get_attribute("#portal-map", "data-pin") == "121.4650000,29.8650000"
    lon, lat = ALPHA_1
    page.evaluate(
        "([lon, lat]) => document.getElementById('portal-map').leafletMap.setView([lat, lon], 16, {animate: false})",
        [lon, lat],
    )
    page.locator("#portal-map").scroll_into_view_if_needed()
    box = page.locator("#portal-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        """([lon, lat]) => {
            const [x, y] = document.getElementById('portal-map').dataset.pin.split(',');
            return Math.abs(x - lon) < 1e-4 && Math.abs(y - lat) < 1e-4;
        }""",
        arg=[lon, lat],
    )
    # The phone then refuses its location: the page says so, and the tapped pin stays put.
    page.context.clear_permissions()
    page.tap("#locate-me")
    refused = page.get_attribute("#portal-map", "data-no-location")
    page.wait_for_function(
        "text => document.getElementById('location-status').textContent === text", arg=refused
    )
    assert page.locator("#portal-map path[stroke='#b91c1c']").count() == 1  # one pin, moved

    # 5. A mobile number for the SMS notices, and send: the receipt has the case number.
    page.fill("input[name=phone]", "138 1234 5678")
    page.tap("#send-report")
    page.wait_for_url("**received=1")
    number = page.inner_text("#receipt-number")
    assert page.get_attribute("#stage", "data-stage") == "received"

    case = Case.objects.get(number=number)
    assert case.grid.code == "330203001001001"  # the tapped place, not the phone's
    assert case.reporter_phone == "13812345678"
    assert case.category_id == int(chosen) and case.category.plain_name == label
    [before] = Evidence.objects.filter(case=case, kind=EvidenceKind.BEFORE)
    assert max(before.width, before.height) == 1600  # shrunk in the browser from 2400

    # 6. The desk handles it (services); the citizen finds it under "my reports".
    now = timezone.now()
    desk.close(case, now + timedelta(minutes=30), start=now + timedelta(minutes=1))
    page.goto(f"{base}/citizen/")
    page.tap(f"#my-reports a[data-case='{number}']")
    page.wait_for_selector("#stage[data-stage='resolved']")
    steps = page.locator("#steps li").evaluate_all("els => els.map(e => e.dataset.stage)")
    assert steps == ["received", "filed", "in_progress", "resolved"]
    assert page.locator("#after-photos img").count() == 1
    assert "roads" not in page.content() and "Wang Wei" not in page.content()

    # 7. The citizen rates it (回访); the page thanks them and shows the rating.
    page.tap("label[for=id_rating_0]")  # the first choice: very satisfied
    page.fill("textarea[name=comment]", "修得很快，谢谢")
    page.tap("#rate-form button[type=submit]")
    page.wait_for_selector("#rated-thanks")
    assert page.get_attribute("#rating-done", "data-rating") == "5"
    assert page.locator("#rate-form").count() == 0
    rating = Satisfaction.objects.get(case=case)
    assert rating.rating == 5 and rating.comment == "修得很快，谢谢"
