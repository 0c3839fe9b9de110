"""``POST /csp-report``: where browsers report what the Content-Security-Policy blocked
(``report-uri``), so a policy that breaks a page, or an injected script that it stopped, is seen
by the operators and not only by the person whose page broke.

Anyone's browser posts here (no login, no CSRF token: the browser sends the report, not a
form). Each report is read as JSON (``application/csp-report``, or the Reporting API's
``application/reports+json`` list), at most ``MAX_BYTES``; it is logged as a warning with the
directive, the blocked address and the page (query strings cut: they may hold tokens) and
counted in ``cityops_csp_violations_total`` by directive; every logged field is cut short and
stripped of control characters. One address may send ``PER_ADDRESS`` posts a minute (each at
most ``MAX_REPORTS`` violations); more are answered 429 and not logged.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from prometheus_client import Counter

from core import throttle
from core.net import address_scope, client_address

logger = logging.getLogger("cityops.csp")
MAX_BYTES = 16 * 1024
MAX_REPORTS = 10
PER_ADDRESS = throttle.Limit("csp-report", 20, timedelta(minutes=1))
# Series by directive stay bounded: anything else a client claims counts as "other".
DIRECTIVES = frozenset({
    "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src",
    "style-src-elem", "style-src-attr", "img-src", "font-src", "connect-src", "worker-src",
    "manifest-src", "object-src", "base-uri", "form-action", "frame-ancestors", "frame-src",
    "child-src", "media-src", "prefetch-src",
})  # fmt: skip
VIOLATIONS = Counter(
    "cityops_csp_violations", "Content-Security-Policy violations browsers reported", ["directive"]
)


def _plain(url: object) -> str:
    """An address without its query or fragment (tokens live there), at most 200 characters,
    without control characters (a report cannot forge log lines)."""
    text = str(url or "")
    if "://" in text:
        parts = urlsplit(text)
        text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return "".join(ch if ch.isprintable() else "?" for ch in text[:200])


def _reports(body: object) -> list[dict]:
    """The violation bodies in either format."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        return [body["csp-report"]]
    if isinstance(body, list):  # Reporting API: [{"type": "csp-violation", "body": {...}}]
        return [
            r["body"]
            for r in body
            if isinstance(r, dict)
            and r.get("type") == "csp-violation"
            and isinstance(r.get("body"), dict)
        ]
    return []


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > MAX_BYTES:
        return HttpResponse(status=413)
    key = throttle.claim(PER_ADDRESS, address_scope(client_address(request)), now=timezone.now())
    if key is None:
        return HttpResponse(status=429)
    try:
        body = json.loads(request.read(MAX_BYTES + 1)[:MAX_BYTES] or b"null")
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    reports = _reports(body)
    if not reports:
        return HttpResponse(status=400)
    for report in reports[:MAX_REPORTS]:
        directive = str(
            report.get("effective-directive")
            or report.get("effectiveDirective")
            or report.get("violated-directive")
            or "unknown"
        ).split(" ")[0]
        directive = directive if directive in DIRECTIVES else "other"
        blocked = _plain(report.get("blocked-uri") or report.get("blockedURL"))
        page = _plain(report.get("document-uri") or report.get("documentURL"))
        source = _plain(report.get("source-file") or report.get("sourceFile"))
        line = report.get("line-number") or report.get("lineNumber")
        line = line if isinstance(line, int) and not isinstance(line, bool) else "-"
        VIOLATIONS.labels(directive=directive).inc()
        logger.warning(
            "CSP violation: %s blocked %s on %s (%s:%s)", directive, blocked or "inline", page,
            source or "-", line,
        )  # fmt: skip
    return HttpResponse(status=204)
