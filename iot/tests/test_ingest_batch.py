"""The batch writer: readings stored once, latest values, dead letters, unknown devices."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection

from iot.ingest.batch import Message, write_batch
from iot.models import Channel, DeadLetter, Device, DeviceMetricState, Reading, UnknownDevice
from iot.tests.conftest import T0, T0_S, send

pytestmark = pytest.mark.django_db


def test_a_pack_becomes_readings_with_resolved_names_units_and_times(manhole):
    payload = json.dumps(
        [
            {"bn": "urn:dev:cityops:MH-0001:", "bt": T0_S, "n": "tilt", "u": "deg", "v": 3.5},
            {"n": "water_distance", "v": 1.2, "t": 60},  # unit from the device type
            {"n": "battery", "u": "%EL", "v": 87},
            {"n": "note", "vs": "lid ok"},
        ]
    ).encode()
    result = send("MH-0001", payload)
    assert (result.readings, result.dead_letters, result.errors) == (4, 0, {})
    rows = {r.metric: r for r in Reading.objects.filter(device=manhole)}
    assert rows["tilt"].value == 3.5 and rows["tilt"].ts == T0 and rows["tilt"].unit == "deg"
    assert rows["water_distance"].unit == "m" and rows["water_distance"].ts == T0 + timedelta(
        seconds=60
    )
    assert rows["note"].value is None and rows["note"].value_str == "lid ok"
    manhole.refresh_from_db()
    assert manhole.is_online and manhole.last_seen_at == T0 and manhole.battery == 87


def test_the_same_message_twice_stores_each_reading_once(manhole):
    payload = json.dumps(
        [{"bt": T0_S, "n": "tilt", "v": 1}, {"n": "tilt", "t": 1, "v": 2}]
    ).encode()
    send("MH-0001", payload)
    send("MH-0001", payload)  # a redelivery after a crash
    assert Reading.objects.filter(device=manhole).count() == 2


def test_latest_value_follows_telemetry_time_not_arrival(manhole):
    send("MH-0001", json.dumps([{"n": "tilt", "v": 5, "t": T0_S + 60}]).encode())
    send("MH-0001", json.dumps([{"n": "tilt", "v": 9, "t": T0_S}]).encode())  # late, older
    state = DeviceMetricState.objects.get(device=manhole, metric="tilt")
    assert (state.value, state.ts) == (5, T0 + timedelta(seconds=60))
    assert Reading.objects.filter(device=manhole).count() == 2  # the late one is still kept


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not JSON"),
        (b'[{"n": "tilt", "v": "high"}]', "record 1: 'v' must be a number"),
        (
            b'[{"n": "tilt", "u": "Cel", "v": 3}]',
            "unit 'Cel' for 'tilt', but device type 'manhole_cover'",
        ),
        (b'[{"n": "tilt", "v": 3, "t": 4102444800}]', "is in the future"),
        (b'[{"bn": "urn:dev:x:", "v": 3}]', "gives no usable metric name"),
    ],
)
def test_a_malformed_payload_goes_to_the_dead_letters_with_its_reason(manhole, payload, reason):
    result = send("MH-0001", payload)
    assert result.dead_letters == 1 and reason in result.errors[0]
    letter = DeadLetter.objects.get()
    assert reason in letter.reason
    assert letter.device == manhole and letter.payload == payload.decode()
    assert letter.topic == "cityops/telemetry/MH-0001"
    assert not Reading.objects.exists()


def test_one_bad_message_does_not_stop_the_rest_of_the_batch(manhole):
    good = json.dumps([{"n": "tilt", "v": 1, "t": T0_S}]).encode()
    messages = [
        Message(channel=Channel.MQTT, payload=p, received_at=T0, device_code=code)
        for code, p in [("MH-0001", good), ("MH-0001", b"[oops"), ("NOPE-1", good)]
    ]
    result = write_batch(messages, now=T0)
    assert (result.messages, result.readings, result.dead_letters, result.unknown) == (3, 1, 1, 1)
    assert Reading.objects.count() == 1


def test_unknown_and_inactive_devices_are_refused_and_counted(manhole):
    good = json.dumps([{"n": "tilt", "v": 1}]).encode()
    send("GHOST-7", good)
    send("GHOST-7", good, at=T0 + timedelta(minutes=1))
    Device.objects.filter(pk=manhole.pk).update(is_active=False)
    send("MH-0001", good)
    assert not Reading.objects.exists()
    ghost = UnknownDevice.objects.get(code="GHOST-7")
    assert (ghost.count, ghost.first_seen_at, ghost.last_seen_at) == (
        2,
        T0,
        T0 + timedelta(minutes=1),
    )
    assert UnknownDevice.objects.get(code="MH-0001").count == 1
    assert not DeadLetter.objects.exists()  # counted, not one row per message


def test_a_pack_the_channel_already_parsed_is_not_parsed_again(manhole):
    from iot import senml

    payload = json.dumps([{"n": "tilt", "v": 4.5, "t": T0_S}]).encode()
    records = senml.parse(payload, now=T0_S)
    parsed = Message(
        channel=Channel.MQTT,
        payload=b"(not looked at)",
        received_at=T0,
        device_code="MH-0001",
        parsed=records,
    )
    refused = Message(
        channel=Channel.MQTT,
        payload=b"[]",
        received_at=T0,
        device_code="MH-0001",
        parsed=senml.SenMLError("the pack is empty"),
    )
    result = write_batch([parsed, refused], now=T0)
    assert Reading.objects.get(device=manhole).value == 4.5
    assert result.errors == {1: "the pack is empty"}
    assert DeadLetter.objects.get().reason == "the pack is empty"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_an_error_inside_the_copy_is_djangos_so_the_consumer_can_tell_outage_from_bad_data(
    manhole,
):
    """A psycopg error escaping the raw COPY untranslated made the consumer dead-letter (and
    acknowledge) messages on a lost connection instead of retrying them."""
    from django.db import DataError

    from iot.ingest import sql

    row = sql.ReadingRow(
        device_id=manhole.pk,
        metric="tilt",
        ts=T0,
        value=1.0,
        value_str="",
        value_bool=None,
        unit="x" * 100,  # longer than the column: refused by the database inside the COPY
        received_at=T0,
    )
    with pytest.raises(DataError):
        sql.insert_readings([row])


def _reading_row(device_id: int, metric: str = "tilt"):
    from iot.ingest import sql

    return sql.ReadingRow(
        device_id=device_id,
        metric=metric,
        ts=T0,
        value=1.0,
        value_str="",
        value_bool=None,
        unit="deg",
        received_at=T0,
    )


def test_readings_of_a_device_deleted_meanwhile_are_not_inserted(manhole):
    """Reading.device has no FK constraint (ingest speed): the insert itself checks that the
    device row still exists, e.g. one deleted after a consumer cached it."""
    from iot.ingest import sql

    gone = manhole.pk + 1000
    sql.insert_readings([_reading_row(manhole.pk), _reading_row(gone)])
    assert list(Reading.objects.values_list("device_id", flat=True)) == [manhole.pk]
    assert not Reading.objects.filter(device_id=gone).exists()


def test_deleting_a_device_deletes_its_readings(manhole):
    send("MH-0001", json.dumps([{"n": "tilt", "v": 1, "t": T0_S}]).encode())
    assert Reading.objects.filter(device=manhole).exists()
    manhole.delete()
    assert not Reading.objects.exists()


def test_a_batch_mixing_stored_and_new_readings_stores_the_new_ones_once(manhole):
    """PostgreSQL COPYs readings straight into the table; a reading stored already aborts that
    COPY (no ON CONFLICT there) and the batch is inserted again skipping the duplicates."""
    send("MH-0001", json.dumps([{"n": "tilt", "v": 1, "t": T0_S}]).encode())
    result = send(
        "MH-0001",
        json.dumps(
            [{"n": "tilt", "v": 1, "t": T0_S}, {"n": "tilt", "v": 2, "t": T0_S + 1}]
        ).encode(),
    )
    assert result.errors == {}
    stored = Reading.objects.filter(device=manhole).order_by("ts")
    assert [r.value for r in stored] == [1, 2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fillfactor is PostgreSQL's")
def test_latest_values_and_devices_leave_room_for_in_place_updates():
    """Every batch rewrites latest-value rows and device rows: free room on their pages keeps
    the new versions there without touching an index (iot migration 0005)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN (%s, %s)",
            [DeviceMetricState._meta.db_table, Device._meta.db_table],
        )
        options = dict(cursor.fetchall())
    assert options[DeviceMetricState._meta.db_table] == ["fillfactor=50"]
    assert options[Device._meta.db_table] == ["fillfactor=70"]
