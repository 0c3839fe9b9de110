"""SenML (RFC 8428) resolution: base name/time/unit/value, relative time, and refused packs."""

from __future__ import annotations

import pytest

from iot import senml
from iot.senml import RELATIVE_TIME_LIMIT, SenMLError, loads, parse

NOW = 1_795_000_000.0  # 2026-11-18, an absolute time (>= 2**28)


def test_the_rfc_example_resolves_base_name_time_and_unit():
    # RFC 8428 §5.1.4-style pack: one base name and time for several records.
    pack = [
        {
            "bn": "urn:dev:ow:10e2073a01080063:",
            "bt": 1.320067464e09,
            "bu": "%RH",
            "n": "hum",
            "v": 20,
        },
        {"n": "hum", "t": 60, "v": 20.3},
        {"n": "temp", "u": "Cel", "t": 60, "v": 23.1},
    ]
    records = parse(pack, now=NOW)
    assert [(r.name, r.time, r.unit, r.value) for r in records] == [
        ("urn:dev:ow:10e2073a01080063:hum", 1320067464.0, "%RH", 20.0),
        ("urn:dev:ow:10e2073a01080063:hum", 1320067524.0, "%RH", 20.3),
        ("urn:dev:ow:10e2073a01080063:temp", 1320067524.0, "Cel", 23.1),
    ]
    assert [r.metric for r in records] == ["hum", "hum", "temp"]


def test_a_base_field_holds_until_the_next_record_that_sets_it():
    pack = [
        {"bn": "a/", "bt": 1.8e9, "bu": "m", "n": "x", "v": 1},
        {"bn": "b/", "n": "y", "v": 2},  # new base name, same base time and unit
        {"bt": 1.9e9, "bu": "Cel", "n": "z", "v": 3},
    ]
    records = parse(pack, now=NOW)
    assert [(r.name, r.time, r.unit) for r in records] == [
        ("a/x", 1.8e9, "m"),
        ("b/y", 1.8e9, "m"),
        ("b/z", 1.9e9, "Cel"),
    ]


def test_base_value_and_base_sum_are_added():
    records = parse([{"bv": 100, "bs": 5, "n": "p", "v": 1.5, "s": 2}], now=NOW)
    assert records[0].value == 101.5
    assert records[0].sum == 7


def test_times_below_2_to_the_28_are_relative_to_now():
    records = parse([{"n": "a", "v": 1, "t": -60}, {"n": "b", "v": 2}], now=NOW)
    assert records[0].time == NOW - 60
    assert records[1].time == NOW  # no time at all: now
    assert parse([{"n": "c", "v": 1, "t": RELATIVE_TIME_LIMIT}], now=NOW)[0].time == 2**28


def test_string_boolean_data_and_sum_only_records():
    records = parse(
        [
            {"bn": "dev1:", "n": "state", "vs": "open"},
            {"n": "moved", "vb": True},
            {"n": "blob", "vd": "aGk"},
            {"n": "energy", "s": 12.5},
        ],
        now=NOW,
    )
    assert records[0].value_str == "open" and records[0].value is None
    assert records[1].value_bool is True
    assert records[2].value_data == "aGk"
    assert records[3].sum == 12.5 and records[3].value is None


def test_a_gps_record_without_its_own_name_is_named_by_its_unit():
    pack = [
        {"bn": "urn:dev:ow:10e2073a01080063", "bt": 1.32e9, "u": "lon", "v": 24.30621},
        {"u": "lat", "v": 60.07965},
    ]
    assert [r.metric for r in parse(pack, now=NOW)] == ["lon", "lat"]


def test_metric_is_the_last_segment_of_the_resolved_name():
    pack = [
        {"bn": "urn:dev:cityops:MH-0001:", "n": "tilt", "v": 3},
        {"bn": "", "n": "a/b/c", "v": 1},
    ]
    assert [r.metric for r in parse(pack, now=NOW)] == ["tilt", "c"]


@pytest.mark.parametrize(
    ("pack", "reason"),
    [
        ([], "empty"),
        ({"n": "a", "v": 1}, "JSON array"),
        ([1], "record 1: a record is a JSON object"),
        ([{"v": 1}], "record 1: the record has no name"),
        ([{"n": "-bad", "v": 1}], "must start with a letter or digit"),
        ([{"n": "a b", "v": 1}], "may use only"),
        ([{"n": "a"}], "record 1: the record has no value"),
        ([{"n": "a", "v": 1, "vs": "x"}], "one value, not v, vs"),
        ([{"n": "a", "v": "12"}], "'v' must be a number"),
        ([{"n": "a", "v": True}], "'v' must be a number"),  # bool is not a number here
        ([{"n": "a", "vb": 1}], "'vb' must be true or false"),
        ([{"n": "a", "vs": 5}], "'vs' must be a string"),
        ([{"n": "a", "v": 1, "t": "now"}], "'t' must be a number"),
        ([{"n": "ok", "v": 1}, {"n": "a", "v": 1, "x_": 1}], "record 2: must-understand label"),
        ([{"bver": 11, "n": "a", "v": 1}], "bver 11 is not supported"),
        ([{"bn": 5, "n": "a", "v": 1}], "'bn' must be a string"),
        ([{"n": "a", "vs": "x" * 201}], "longer than 200"),
        ([{"n": "a", "u": "x" * 17, "v": 1}], "'u' is longer than 16"),
        ([{"n": "a", "vs": "a\u0000b"}], "'vs' contains a NUL character"),
    ],
)
def test_bad_packs_are_refused_with_the_record_and_reason(pack, reason):
    with pytest.raises(SenMLError) as exc:
        parse(pack, now=NOW)
    assert reason in str(exc.value)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b'[{"n": "a", "v": NaN}]', "not JSON"),
        (b'[{"n": "a", "v": 1e999}]', "finite"),
        (b'{"n": "a"}', "JSON array"),
    ],
)
def test_bad_bytes_are_refused(payload, reason):
    with pytest.raises(SenMLError) as exc:
        parse(payload, now=NOW)
    assert reason in str(exc.value)


def test_unknown_labels_are_ignored_and_bytes_are_accepted():
    records = parse(b'[{"n": "a", "v": 1, "vendor": {"x": 1}}]', now=NOW)
    assert records[0].value == 1.0
    assert loads('[{"n": "a", "v": 1}]') == [{"n": "a", "v": 1}]


def test_a_refused_pack_keeps_its_reason_and_record_through_pickle():
    """The MQTT network process parses packs and pickles the result to the writer
    (iot.ingest.network): a SenMLError must arrive with the same reason and record number."""
    import pickle

    error = senml.SenMLError("'v' must be a number", record=2)
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.reason, again.record) == (str(error), error.reason, 2)
    records = senml.parse(b'[{"n": "tilt", "v": 1.5, "t": 1700000000}]', now=0)
    assert pickle.loads(pickle.dumps(records)) == records
