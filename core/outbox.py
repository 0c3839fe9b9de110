"""The phone's outbox (offline-queue.js): how a page knows a post came from it.

A form marked ``data-offline-queue`` is posted by the outbox with ``X-Requested-With:
offline-queue``, now or later when the signal returns. Its views answer that caller in JSON:
201 with the address to go on to when the move was done, 4xx with the message when it was
refused; a redirect would be ambiguous (it might be to the login page).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect

OUTBOX = "offline-queue"


def from_outbox(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == OUTBOX


def answer(request: HttpRequest, url: str, *, ok: bool, message: str = "", status: int = 400):
    """The outbox's JSON answer, or the usual redirect to ``url`` for a plain form post."""
    if not from_outbox(request):
        return redirect(url)
    return JsonResponse(
        {"ok": ok, "message": str(message), "url": url}, status=201 if ok else status
    )
