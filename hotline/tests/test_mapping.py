"""Column mapping and reference lookups: saved profiles, value maps, dates, categories."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from catalog.models import CategoryKind
from hotline.mapping import Mapping, RowRejected
from hotline.models import ImportProfile
from hotline.refs import Refs
from hotline.tests.conftest import SHANGHAI


def test_usual_headers_are_found_without_a_profile():
    m = Mapping(["工单编号", "诉求内容", "来电时间", "unused"])

    assert m.missing(["external_id", "description", "reported_at"]) == []
    assert m.missing(["status"]) == ["status (status / 状态 / 工单状态 / 案件状态)"]


def test_a_profile_column_that_is_not_in_the_file_is_named_as_missing():
    profile = ImportProfile(name="p", columns={"external_id": "单号"})
    m = Mapping(["工单编号", "诉求内容"], profile)

    assert m.missing(["external_id", "description"]) == ["external_id (单号)"]


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23 09:00:00",
        "2026-11-23T09:00",
        "2026/11/23 09:00",
        "2026/11/23 9:00",
        "2026.11.23 09:00:00",
    ],
)
def test_times_read_common_formats_in_the_profile_time_zone(text):
    m = Mapping(["来电时间"])

    assert m.time([text], "reported_at") == datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def test_a_time_with_an_offset_keeps_it_and_a_profile_format_is_tried():
    m = Mapping(["来电时间"], ImportProfile(name="p", date_formats=["%d.%m.%Y %H.%M"]))

    assert m.time(["2026-11-23T01:00:00+00:00"], "reported_at") == datetime(
        2026, 11, 23, 9, 0, tzinfo=SHANGHAI
    )
    assert m.time(["23.11.2026 09.00"], "reported_at").hour == 9
    with pytest.raises(RowRejected, match="来电时间: 'soon' is not a date and time"):
        m.time(["soon"], "reported_at")


def test_value_maps_of_a_profile_come_before_the_defaults_and_ignore_case():
    profile = ImportProfile(name="p", value_maps={"source": {"Police": "hotline_110"}})
    m = Mapping(["来电类型"], profile)

    assert m.text(["police"], "source") == "hotline_110"
    assert m.text(["81890"], "source") == "hotline_12345"


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        (ImportProfile(name="p", columns={"nonsense": "x"}), "columns"),
        (ImportProfile(name="p", columns=["x"]), "columns"),
        (ImportProfile(name="p", value_maps={"priority": "urgent"}), "value_maps"),
        (ImportProfile(name="p", date_formats=["yyyy-mm-dd"]), "date_formats"),
        (ImportProfile(name="p", timezone="Mars/Olympus"), "timezone"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field(profile, field):
    with pytest.raises(ValidationError) as caught:
        profile.clean()

    assert field in caught.value.message_dict


@pytest.mark.django_db
def test_categories_are_found_by_code_kind_and_code_or_name():
    refs = Refs()

    assert refs.category("01001").kind == CategoryKind.COMPONENT  # the 部件 behind the shared code
    assert refs.category("event:01001").kind == CategoryKind.EVENT
    assert refs.category("事项：01001").kind == CategoryKind.EVENT
    assert refs.category(refs.category("02001").name).code == "02001"
    with pytest.raises(RowRejected, match="No category 'nope'"):
        refs.category("nope")
