"""W3C date/time parsing and formatting, and the XML renderer's element names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from open311 import render, w3c

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_format_carries_the_offset_and_seconds():
    assert w3c.format(datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) == "2026-11-23T09:00:00+08:00"
    assert w3c.format(None) is None


@pytest.mark.parametrize(
    ("text", "start", "length"),
    [
        ("1994-11-05T08:15:30-05:00", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC), 0),
        ("1994-11-05T13:15:30Z", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC), 0),
        ("1994-11-05T13:15Z", datetime(1994, 11, 5, 13, 15, tzinfo=UTC), 0),
        ("1994-11-05T13:15:30.45Z", datetime(1994, 11, 5, 13, 15, 30, 450000, tzinfo=UTC), 0),
        ("1994-11-05T21:15:30 08:00", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC), 0),
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=SHANGHAI), 1),
        ("2026-12", datetime(2026, 12, 1, tzinfo=SHANGHAI), 31),
        ("2026", datetime(2026, 1, 1, tzinfo=SHANGHAI), 365),
    ],
)
def test_parse_w3c_forms(text, start, length):
    moment = w3c.parse(text)
    assert moment.start == start
    expected = timedelta(days=length) if length else timedelta(microseconds=1)
    assert moment.end - moment.start == expected


@pytest.mark.parametrize(
    "text", ["2026-11-23T09:00:00", "2026-13-01", "23/11/2026", "2026-11-23T25:00Z", ""]
)
def test_parse_refuses_what_is_not_w3c(text):
    with pytest.raises(w3c.W3CError):
        w3c.parse(text)


def test_xml_wraps_list_items_in_the_singular_element():
    body = render.to_xml(
        "service_requests",
        [{"service_request_id": "NB1", "lat": 29.5, "media_url": None, "ok": True}],
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<service_requests>')
    root = ET.fromstring(body)
    request = root.find("request")
    assert request.findtext("lat") == "29.5"
    assert request.find("media_url").text is None
    assert request.findtext("ok") == "true"


def test_errors_render_as_the_spec_shows():
    response = render.errors("xml", 403, [(403, "Invalid api_key received")])
    assert response.status_code == 403
    assert b"<errors><error><code>403</code><description>Invalid api_key received" in (
        response.content
    )
