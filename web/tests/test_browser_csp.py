"""Browser: the Content-Security-Policy holds and breaks nothing.

Pages send a strict policy (scripts only from this site, no inline script or handler;
cityops.settings). The staff tour at phone width and the cockpit test check their pages; here the
pages for everyone (the citizen portal, the login), the API docs (served from ninja's own static
files, no CDN) and the admin.
"""

from __future__ import annotations

import pytest

from web.tests.conftest import csp_violations, watch_csp
from web.tests.test_browser_lifecycle import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = ["/citizen/", "/citizen/report/", "/citizen/find/", "/login/", "/en/citizen/"]


def test_public_pages_docs_and_admin_keep_to_the_policy(live_server, personas, browser_page):
    base = live_server.url
    response = browser_page.goto(base + "/citizen/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy

    context = browser_page.context
    watch_csp(context)
    blocked = {}
    page = context.new_page()
    for path in PUBLIC:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        blocked[path] = csp_violations(page)
    # The language switch still works without its inline handler.
    page.goto(base + "/citizen/")
    page.select_option("select[name=language]", "en")
    page.wait_for_url("**/en/citizen/**")

    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)  # rendered by its scripts
    blocked["/api/v1/docs"] = csp_violations(page)

    admin = log_in(context.browser, base, "admin")
    watch_csp(admin.context)
    for path in ("/en/admin/", "/en/admin/cases/case/", "/en/admin/auth/user/add/"):
        admin.goto(base + path)
        admin.wait_for_load_state("networkidle")
        blocked[path] = csp_violations(admin)
    assert {path: found for path, found in blocked.items() if found} == {}
