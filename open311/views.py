"""GeoReport v2 at /open311/v2/: plain Django views, one per resource, ``.xml`` or ``.json``.

Every failure answers in the spec's error format, in the format asked for, with the spec's
HTTP status: 404 for what does not exist (an unknown jurisdiction_id, service_code, request,
token or path), 403 for a missing or wrong api_key, 400 for anything else. Two statuses the
spec does not list: 405 for a method a resource does not take and 429 when a key has used up
its hourly POSTs (both with the spec's error body).
"""

from __future__ import annotations

import functools
import re
from datetime import timedelta

from django.db.models import Max
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import DomainError, NotFound, PermissionDenied
from open311 import conf, render, selectors, services, w3c
from open311.models import LIST_DATATYPES, Service, ServiceAttribute, ServiceType, Submission

DEFAULT_WINDOW_DAYS = 90  # GeoReport v2: default and longest start_date..end_date range
_ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?:\[\])?$")
_FORMAT_SUFFIX = re.compile(r"\.(?P<fmt>[A-Za-z0-9]+)$")


class Open311Error(Exception):
    """An answer in the spec's error format: one HTTP status, one or more descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def _status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, services.RateLimited):
        return 429
    return 400


def endpoint(*methods: str):
    """Method check, csrf exemption (third-party clients) and spec-format errors."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def inner(request, fmt: str, **kwargs):
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("%(method)s is not accepted here; use %(allowed)s.")
                        % {"method": request.method, "allowed": ", ".join(sorted(methods))},
                    )
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                answer = render.errors(fmt, exc.status, [(exc.status, d) for d in exc.descriptions])
                if exc.status == 405:
                    answer["Allow"] = ", ".join(sorted(allowed))
                return answer
            except DomainError as exc:
                status = _status_of(exc)
                texts = exc.details.get("errors") or [exc.message]
                return render.errors(fmt, status, [(status, t) for t in texts])

        return inner

    return wrap


def _param(request, name: str) -> str:
    """A parameter from the body (POST) or query; "optional" means empty equals absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None or value.strip() == "":
        value = request.GET.get(name, "")
    return value.strip()


def _check_jurisdiction(request) -> None:
    given = _param(request, "jurisdiction_id")
    ours = conf.jurisdiction_id()
    # Single-jurisdiction endpoint: the parameter is optional, but a wrong one is an error.
    if given and given.lower() != ours.lower():
        raise Open311Error(
            404,
            _("jurisdiction_id %(given)r is not served here; this endpoint serves %(ours)r.")
            % {"given": given, "ours": ours},
        )


def _absolute(request):
    return request.build_absolute_uri


def _endpoint_url(request) -> str:
    return request.build_absolute_uri("/open311/v2").rstrip("/")


# --- discovery and services ------------------------------------------------------------------


def _changeset() -> str:
    stamps = [
        Service.objects.aggregate(at=Max("updated_at"))["at"],
        ServiceAttribute.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    latest = max((s for s in stamps if s is not None), default=None)
    return w3c.format(latest or timezone.now())


@endpoint("GET")
def discovery(request, fmt: str) -> HttpResponse:
    changeset = _changeset()
    url = _endpoint_url(request)
    formats = [render.MIME_TYPES[render.XML], render.MIME_TYPES[render.JSON]]
    data = {
        "changeset": changeset,
        "contact": conf.contact(),
        "key_service": conf.key_service(),
        "endpoints": [
            {
                "specification": spec,
                "url": url,
                "changeset": changeset,
                "type": conf.endpoint_type(),
                "formats": formats,
            }
            for spec in (conf.SPECIFICATION, conf.UPDATES_SPECIFICATION)
        ],
    }
    return render.response(fmt, "discovery", data)


@endpoint("GET")
def service_list(request, fmt: str) -> HttpResponse:
    data = [
        {
            "service_code": s.service_code,
            "service_name": s.name,
            "description": s.description or None,
            "metadata": s.attribute_count > 0 or selectors.component_attribute(s) is not None,
            "type": s.type,
            "keywords": s.keywords or None,
            "group": s.group or None,
        }
        for s in selectors.services_offered()
    ]
    return render.response(fmt, "services", data)


def _attribute(a: ServiceAttribute) -> dict:
    data = {
        "variable": a.variable,
        "code": a.code,
        "datatype": a.datatype,
        "required": a.required,
        "datatype_description": a.datatype_description or None,
        "order": a.order,
        "description": a.description,
    }
    if a.datatype in LIST_DATATYPES:
        data["values"] = [{"key": str(v["key"]), "name": str(v["name"])} for v in a.values]
    return data


@endpoint("GET")
def service_definition(request, fmt: str, code: str) -> HttpResponse:
    service = selectors.service_get(code)
    if service is None:
        raise Open311Error(404, _("No service has the service_code %(code)r.") % {"code": code})
    data = {
        "service_code": service.service_code,
        "attributes": [_attribute(a) for a in selectors.service_attributes(service)],
    }
    return render.response(fmt, "service_definition", data)


# --- requests --------------------------------------------------------------------------------


def _csv(value: str) -> list[str]:
    seen: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def _positive_int(request, name: str, default: int, maximum: int) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)d.")
            % {"name": name, "max": maximum},
        )
    return int(raw)


def _moment(request, name: str) -> w3c.Moment | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        return w3c.parse(raw)
    except w3c.W3CError as exc:
        raise Open311Error(400, f"{name}: {exc}") from exc


def _window(request) -> selectors.Window:
    """start_date..end_date: at most 90 days; by default the last 90 days (GeoReport v2)."""
    span = timedelta(days=DEFAULT_WINDOW_DAYS)
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is None and end is None:
        now = timezone.now()
        return selectors.Window(now - span, now + timedelta(seconds=1))
    if start is None:
        return selectors.Window(end.start - span, end.end)
    if end is None:
        return selectors.Window(start.start, start.start + span)
    if end.end <= start.start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end.start - start.start > span:
        raise Open311Error(
            400,
            _("start_date..end_date spans more than %(days)d days; ask for a shorter range.")
            % {"days": DEFAULT_WINDOW_DAYS},
        )
    return selectors.Window(start.start, end.end)


def _statuses(request) -> list[str]:
    values = [s.lower() for s in _csv(_param(request, "status"))]
    wrong = [s for s in values if s not in ("open", "closed")]
    if wrong:
        raise Open311Error(
            400, _("status %(values)s: use open, closed or both.") % {"values": ", ".join(wrong)}
        )
    return values


def _service_codes(request) -> list[str]:
    codes = _csv(_param(request, "service_code"))
    unknown = sorted(set(codes) - selectors.known_service_codes(codes))
    if unknown:
        raise Open311Error(
            400, _("Unknown service_code %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return codes


def _list_requests(request, fmt: str) -> HttpResponse:
    ids = _csv(_param(request, "service_request_id"))
    if ids:
        cases = selectors.requests_filtered(ids=ids)  # overrides every other argument
    else:
        cases = selectors.requests_filtered(
            service_codes=_service_codes(request),
            window=_window(request),
            statuses=_statuses(request),
            # Pagination: the extension most servers implement (page, page_size).
            page=_positive_int(request, "page", 1, 1_000_000),
            page_size=_positive_int(
                request, "page_size", selectors.MAX_REQUESTS, selectors.MAX_REQUESTS
            ),
        )
    data = selectors.request_documents(cases, absolute=_absolute(request))
    return render.response(fmt, "service_requests", data)


def _float(request, name: str) -> float:
    raw = _param(request, name)
    try:
        return float(raw)
    except ValueError as exc:
        raise Open311Error(
            400, _("%(name)s must be a number; got %(raw)r.") % {"name": name, "raw": raw}
        ) from exc


def _attributes(request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in request.POST:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            found.setdefault(match["code"], []).extend(request.POST.getlist(key))
    return found


def _create_request(request, fmt: str) -> HttpResponse:
    client = services.client_for_key(_param(request, "api_key"))
    if client is None:
        raise Open311Error(403, _("Invalid or missing api_key: can't proceed with create_request."))
    problems = []
    code = _param(request, "service_code")
    if not code:
        problems.append(_("service_code is required (see services.%(fmt)s).") % {"fmt": fmt})
    lat_raw, long_raw = _param(request, "lat"), _param(request, "long")
    address, address_id = _param(request, "address_string"), _param(request, "address_id")
    if bool(lat_raw) != bool(long_raw):
        problems.append(_("Send both lat and long (WGS-84), or neither."))
    elif not lat_raw and not address:
        problems.append(
            _("Say where the problem is: lat and long (WGS-84), or address_string.")
            if not address_id
            else _("address_id is not resolvable here: send lat and long, or address_string.")
        )
    if problems:
        raise Open311Error(400, *problems)
    service = selectors.service_get(code)
    if service is None:
        raise Open311Error(404, _("No service has the service_code %(code)r.") % {"code": code})
    lat = _float(request, "lat") if lat_raw else None
    lon = _float(request, "long") if long_raw else None
    accepted = services.submit(
        client=client,
        service=service,
        description=request.POST.get("description", ""),
        lon=lon,
        lat=lat,
        address=address,
        email=_param(request, "email"),
        phone=_param(request, "phone"),
        first_name=_param(request, "first_name"),
        last_name=_param(request, "last_name"),
        media_url=_param(request, "media_url"),
        attributes=_attributes(request),
        device_id=_param(request, "device_id"),
        account_id=_param(request, "account_id"),
        address_id=address_id,
        # GeoReport v2.1 draft: photos as multipart "media" (v2 itself only has media_url).
        photos=request.FILES.getlist("media") + request.FILES.getlist("media[]"),
    )
    notice = None
    if accepted.duplicate:
        notice = _(
            "The same problem was already reported nearby: your report was added to request "
            "%(number)s."
        ) % {"number": accepted.case_number}
    item = {"service_notice": notice, "account_id": _param(request, "account_id") or None}
    if service.type == ServiceType.BATCH:
        item = {"token": accepted.submission.token, **item}
    else:
        item = {"service_request_id": accepted.case_number, **item}
    return render.response(fmt, "service_requests", [item])


@endpoint("GET", "POST")
def requests(request, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, fmt: str, request_id: str) -> HttpResponse:
    case = selectors.public_case(request_id)
    if case is None:
        raise Open311Error(404, _("No service request %(id)r.") % {"id": request_id})
    data = selectors.request_documents([case], absolute=_absolute(request))
    return render.response(fmt, "service_requests", data)


@endpoint("GET")
def token(request, fmt: str, token: str) -> HttpResponse:
    submission = Submission.objects.select_related("report__case").filter(token=token).first()
    if submission is None:
        raise Open311Error(404, _("No token %(token)r.") % {"token": token})
    case = submission.report.case
    data = [{"service_request_id": case.number if case else None, "token": submission.token}]
    return render.response(fmt, "service_requests", data)


@endpoint("GET")
def request_updates(request, fmt: str) -> HttpResponse:
    """mySociety extension: public moves between start_date and end_date (at most 90 days)."""
    key = _param(request, "api_key")
    if key and services.client_for_key(key) is None:
        raise Open311Error(403, _("Invalid api_key."))
    data = selectors.update_documents(_window(request), absolute=_absolute(request))
    return render.response(fmt, "service_request_updates", data)


# --- everything else under /open311/v2/ ------------------------------------------------------


@csrf_exempt
def index(request) -> HttpResponse:
    """The endpoint root: the discovery document (the spec suggests serving it here)."""
    return HttpResponseRedirect("discovery.xml")


@csrf_exempt
def not_found(request, path: str) -> HttpResponse:
    """Unknown resource or format, answered in the spec's format (XML unless .json)."""
    match = _FORMAT_SUFFIX.search(path)
    fmt = render.JSON if match and match["fmt"].lower() == render.JSON else render.XML
    if match and match["fmt"].lower() not in render.FORMATS:
        return render.errors(
            fmt,
            400,
            [(400, _("Format %(fmt)r is not offered: use .xml or .json.") % {"fmt": match["fmt"]})],
        )
    message = _(
        "No resource %(path)r. GeoReport v2 offers discovery, services, services/{code}, "
        "requests, requests/{id}, tokens/{token} and servicerequestupdates, each as .xml or .json."
    ) % {"path": path}
    return render.errors(fmt, 404, [(404, message)])
