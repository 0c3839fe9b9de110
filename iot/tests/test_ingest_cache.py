"""The consumer's cache of devices and rules between batches (iot.ingest.cache)."""

from __future__ import annotations

import pytest

from iot.ingest.cache import IngestCache
from iot.models import AlarmRule, Device

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_devices_and_rules_are_read_once_then_kept(manhole, django_assert_num_queries):
    cache = IngestCache()
    with django_assert_num_queries(1):
        assert cache.devices(["MH-0001", "NOPE"])["MH-0001"].pk == manhole.pk
    with django_assert_num_queries(1):  # only the unknown code is asked for again
        assert cache.devices(["MH-0001", "NOPE"]).keys() == {"MH-0001"}
    device = cache.devices(["MH-0001"])["MH-0001"]
    rules = cache.rules([device])[device.pk]
    assert {rule.key for rule, _ in rules["tilt"]} >= {"displaced"}
    with django_assert_num_queries(0):
        assert cache.rules([device])[device.pk] == rules
        assert cache.units(device)["tilt"] == "deg"


def test_an_edit_in_this_process_is_seen_by_the_next_batch(manhole, displaced_rule):
    cache = IngestCache()
    device = cache.devices(["MH-0001"])["MH-0001"]
    assert any(rule.key == "displaced" for rule, _ in cache.rules([device])[device.pk]["tilt"])
    displaced_rule.is_active = False
    displaced_rule.save()
    assert not any(
        rule.key == "displaced" for rule, _ in cache.rules([device])[device.pk].get("tilt", [])
    )
    manhole.is_active = False
    manhole.save()
    assert cache.devices(["MH-0001"]) == {}


def test_an_edit_in_another_process_is_seen_after_the_ttl(manhole):
    clock = Clock()
    cache = IngestCache(ttl=30, clock=clock)
    assert "MH-0001" in cache.devices(["MH-0001"])
    Device.objects.filter(pk=manhole.pk).update(is_active=False)  # no signal: "another process"
    clock.now += 29
    assert "MH-0001" in cache.devices(["MH-0001"])
    clock.now += 2
    assert cache.devices(["MH-0001"]) == {}


def test_a_device_registered_after_a_miss_is_accepted_at_once(grid, manhole_type):
    from iot import services

    cache = IngestCache()
    assert cache.devices(["MH-0042"]) == {}
    services.device_create(
        code="MH-0042",
        device_type=manhole_type,
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
    )
    assert "MH-0042" in cache.devices(["MH-0042"])


def test_a_rule_with_an_invalid_spec_is_left_out(manhole, displaced_rule, caplog):
    AlarmRule.objects.filter(pk=displaced_rule.pk).update(count=0)  # a raw edit, unvalidated
    cache = IngestCache()
    device = cache.devices(["MH-0001"])["MH-0001"]
    keys = {rule.key for rule, _ in cache.rules([device])[device.pk].get("tilt", [])}
    assert "displaced" not in keys
    assert "counts start at 1" in caplog.text
