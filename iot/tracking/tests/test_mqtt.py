"""Positions published over MQTT (the real Mosquitto, settings.MQTT_URL_TEST) take the same
pipeline as HTTP: track points stored, track rules judged, nothing stored twice."""

from __future__ import annotations

import json

import pytest

from iot.models import Alarm, RuleKind
from iot.tests.test_mqtt import _broker, consumer_running, forget_session, publisher, wait_until
from iot.tracking import services
from iot.tracking.models import TrackPoint, VehicleKind
from iot.tracking.tests.conftest import M_LON, position_pack

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def broker():
    return _broker()


@pytest.fixture
def client_id(broker, run_id):
    name = f"cityops-test-track-{run_id}"
    yield name
    forget_session(broker, name)


@pytest.fixture
def run_id():
    import uuid

    return uuid.uuid4().hex[:8]


def test_published_positions_are_stored_once_and_speeding_raises(
    broker, client_id, run_id, small_city
):
    truck, _ = services.vehicle_create(
        plate=f"MQ{run_id}", kind=VehicleKind.MUCK, area=small_city.alpha
    )
    code = truck.device.code
    fixes = [(30 * i, 121.505 + i * 600 * M_LON, 29.865, 20.0) for i in range(3)]  # 72 km/h
    records = json.loads(position_pack(*fixes))
    with consumer_running(broker, client_id), publisher(broker) as publish:
        publish(code, records)
        publish(code, records)  # a repeat (e.g. the terminal resent after a lost ack)
        wait_until(
            lambda: Alarm.objects.filter(
                device=truck.device, rule__kind=RuleKind.SPEEDING
            ).exists(),
            what="the speeding alarm",
        )
    assert TrackPoint.objects.filter(tracker=truck.device).count() == 3
    assert Alarm.objects.filter(device=truck.device).count() == 1
