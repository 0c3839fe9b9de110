"""Shared pieces of the case API: error responses, path types, the detail answer."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Form, Path, Router
from pydantic import StringConstraints

from areas.api import ErrorOut
from cases import api_selectors as sel
from cases.api_schemas import (
    NOTE_MAX,
    CaseDetailOut,
    RowId,
    Text,
    detail_data,
)
from cases.models import Case
from cases.selectors import case_evidence, case_tasks
from core import paging

# One router for every module: ninja maps one URL pattern per path, so GET and POST /cases
# (and the like) must live on the same router.
router = Router(tags=["cases"])

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_PHOTOS = 9  # one upload, as many as a phone picker offers at once
TEXT_QUERY_MAX = 100
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
DETAIL = {200: CaseDetailOut, **ERRORS}
CREATED = {201: CaseDetailOut, **ERRORS}
# Form default as a module constant: ninja reads constraints from it (ruff B008 otherwise).
NOTE_FORM = Form("", max_length=NOTE_MAX)
TaskId = Path[RowId]
CaseNumber = Path[Annotated[Text, StringConstraints(min_length=1, max_length=32)]]
CaseOrder = Literal["-reported_at", "reported_at", "-updated_at", "updated_at", "number", "-number"]


def case_detail(request: HttpRequest, case: Case) -> dict:
    """The case as stored now (a move may have changed tasks and photos too)."""
    fresh = Case.objects.select_related("category", "standard", "grid", "reported_by").get(
        pk=case.pk
    )
    return detail_data(
        fresh,
        tasks=list(case_tasks(fresh)),
        evidence=list(case_evidence(fresh).select_related("uploaded_by")),
        request=request,
        now=timezone.now(),
    )


def paged(qs: QuerySet, page: int, page_size: int, *, known: int | None = None):
    """(count, capped, the page's rows): the count is ``known`` (from the tallies) or stops at
    ``core.paging.COUNT_CAP`` (then ``capped``): counting every match of a filter over a
    city's years took seconds."""
    start = (page - 1) * page_size
    count, capped = (known, False) if known is not None else paging.capped_count(qs)
    return count, capped, list(qs[start : start + page_size])


def visible_case(request, number: str) -> Case:
    """The case if the caller may see it, else 404; always before looking at the body, so an
    out-of-scope case answers 404 whatever was sent."""
    return sel.get_case(user=request.user, number=number)
