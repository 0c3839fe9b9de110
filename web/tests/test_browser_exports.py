"""Downloads with a progress line (static/js/export-progress.js): the workbench's list as CSV
and xlsx through the page, opened as files; a refused export is shown, not saved."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from areas.models import UnitGrid
from cases.factories import CaseFactory
from cases.states import SourceChannel
from web.tests.test_browser_lifecycle import log_in

pytestmark = pytest.mark.django_db(transaction=True)
CASES = 40


def test_a_list_downloads_with_its_progress_and_opens(live_server, personas, browser_page):
    grid = UnitGrid.objects.order_by("code").first()
    made = {CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345).number for _ in range(CASES)}
    page = log_in(browser_page.context.browser, live_server.url, "leader", accept_downloads=True)
    page.goto(f"{live_server.url}/en/cases/?queue=all&source=hotline_12345")
    links = page.locator("[data-export]").first
    with page.expect_download() as caught:
        links.locator("a[data-format=csv]").click()
    download = caught.value
    data = open(download.path(), "rb").read()
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "Case number 案件编号" and {r[0] for r in rows[1:]} == made
    assert download.suggested_filename.startswith("cases-all-")
    status = links.locator(".export-status")
    status.locator("progress").wait_for()
    assert "Downloaded" in status.inner_text()
    assert page.evaluate("document.querySelector('.export-status progress').value") == 1
    assert int(status.get_attribute("data-bytes")) == len(data)  # every byte streamed, saved
    # Counted against the server's count of the list (X-Export-Rows): "40 / 40 行".
    assert status.get_attribute("data-rows") == status.get_attribute("data-total") == str(CASES)

    with page.expect_download() as caught:
        links.locator("a[data-format=xlsx]").click()
    sheet = load_workbook(io.BytesIO(open(caught.value.path(), "rb").read()), read_only=True).active
    body = list(sheet.iter_rows(values_only=True))[1:]
    assert {r[0] for r in body} == made and caught.value.suggested_filename.endswith(".xlsx")


def test_a_refused_download_is_shown_beside_the_links(live_server, personas, browser_page):
    page = log_in(browser_page.context.browser, live_server.url, "leader")
    page.goto(f"{live_server.url}/en/cases/?queue=all")
    # A link the server refuses (an unknown format): the reason is shown, nothing is saved.
    page.evaluate(
        "document.querySelector('[data-export] a[data-format=csv]').href += '&format=pdf'"
    )
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.locator("[data-export] a[data-format=csv]").first.click()
    error = page.locator("[data-export] .export-error").first
    error.wait_for()
    assert "format must be one of csv, xlsx" in error.inner_text()
    assert downloads == []
