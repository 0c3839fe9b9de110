"""Browser test fixtures: Playwright driving Debian's Chromium only (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    """On CI a missing browser is an error (.ci/run installs it); locally it is a skip."""
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; .ci/run should have installed Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt install chromium fonts-noto-cjk)")


@pytest.fixture
def browser_page():
    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the
    # test around it are still synchronous, so tell Django not to refuse them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


# Every document a watched context opens records what the Content-Security-Policy blocked.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')
        + (e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber : ''));
});
"""


def watch_csp(context) -> None:
    """Record Content-Security-Policy violations in every page of ``context`` (read them with
    ``csp_violations``)."""
    context.add_init_script(CSP_WATCH)


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def empty_cache():
    """Throttle counts (login, reset) start from nothing and leave nothing behind."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
