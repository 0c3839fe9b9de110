"""GeoReport v2 documents in XML (required by the spec) and JSON (its "Spark" mapping).

A document is plain Python data: a list of dicts for the list resources (services, requests,
errors, updates) and a dict for discovery and the service definition. JSON is that data as is
(lists become bare arrays); XML wraps each list in its element and each item in the singular
element the spec names (``<services><service>``, ``<service_requests><request>``,
``<attributes><attribute>``, ``<values><value>``, ``<endpoints><endpoint>``,
``<formats><format>``, ``<errors><error>``, ``<service_request_updates><request_update>``).
``None`` is ``null`` in JSON and an empty element in XML, as in the spec's examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from xml.etree import ElementTree as ET

from django.http import HttpResponse

XML = "xml"
JSON = "json"
FORMATS = (XML, JSON)
# The spec's header values (GeoReport v2 "Format Support").
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
MIME_TYPES = {XML: "text/xml", JSON: "application/json"}

# Element name of one item of each list, by the list's element name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}
# Characters XML 1.0 cannot carry at all (a report text may contain them): dropped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _XML_INVALID.sub("", str(value))


def _element(tag: str, value) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            node.append(_element(key, child))
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[tag]
        for item in value:
            node.append(_element(item_tag, item))
    else:
        text = _text(value)
        if text is not None:
            node.text = text
    return node


def to_xml(root: str, data) -> bytes:
    """The document as UTF-8 bytes with the XML declaration the spec asks for."""
    body = ET.tostring(_element(root, data), encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def response(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """``root`` is the XML root element (``services``, ``service_requests``, ...)."""
    body = to_xml(root, data) if fmt == XML else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, items: list[tuple[int, str]]) -> HttpResponse:
    """The spec's error list: ``<errors><error><code/><description/></error></errors>``."""
    data = [{"code": code, "description": str(text)} for code, text in items]
    return response(fmt, "errors", data, status=status)
