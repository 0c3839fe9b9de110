"""Readings at scale (iot.partitions): monthly partitions on PostgreSQL with a default one that
refuses nothing, partitions made ahead (rows already in the default moved into them), and the
retention: whole months dropped on PostgreSQL, old rows deleted on SQLite."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from iot import partitions
from iot.ingest.sql import ReadingRow, insert_readings
from iot.models import Reading

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 6)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's"
)


def _reading(device, ts: datetime, value: float = 1.0) -> Reading:
    return Reading.objects.create(device=device, metric="tilt", ts=ts, value=value, received_at=ts)


def _where(reading: Reading) -> str:
    with connection.cursor() as c:
        c.execute(
            f"SELECT tableoid::regclass::text FROM {partitions.TABLE} WHERE id = %s", [reading.pk]
        )
        return c.fetchone()[0]


def test_the_retention_keeps_the_months_asked_for_and_nothing_else(manhole):
    old = _reading(manhole, datetime(2026, 8, 31, 23, 59, tzinfo=SH))
    first_kept = _reading(manhole, datetime(2026, 10, 1, 0, 0, tzinfo=SH))
    recent = _reading(manhole, datetime(2026, 12, 5, 12, 0, tzinfo=SH))
    if partitions.is_partitioned():  # an old month with its own partition is dropped whole
        partitions.create_month(date(2026, 8, 1))
    kept = partitions.maintain(retention_months=0, today=TODAY)
    assert kept.deleted == 0 and not kept.dropped and Reading.objects.count() == 3
    done = partitions.maintain(retention_months=2, today=TODAY)  # October and November kept
    assert set(Reading.objects.values_list("pk", flat=True)) == {first_kept.pk, recent.pk}
    assert not Reading.objects.filter(pk=old.pk).exists()
    if done.partitioned:
        assert "iot_reading_p202608" in done.dropped


def test_the_command_refuses_a_negative_retention():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="retention"):
        call_command("readings_partitions", "--retention-months", "-1")


@postgres_only
def test_each_month_has_its_partition_and_a_stray_time_is_kept(manhole):
    assert partitions.is_partitioned()
    now = _reading(manhole, datetime.now(tz=SH))
    assert _where(now) == partitions.partition_name(
        partitions.month_start(now.ts.astimezone(SH).date())
    )
    stray = _reading(manhole, datetime(1999, 1, 1, tzinfo=SH))  # a sensor's clock years off
    assert _where(stray) == partitions.DEFAULT


@postgres_only
def test_a_new_month_takes_its_rows_out_of_the_default_partition(manhole):
    far = date(2031, 5, 1)
    inside = _reading(manhole, datetime(2031, 5, 31, 23, 0, tzinfo=SH))
    after = _reading(manhole, datetime(2031, 6, 1, 0, 0, tzinfo=SH))  # local midnight: June
    assert _where(inside) == partitions.DEFAULT
    assert partitions.create_month(far) == 1
    assert _where(inside) == "iot_reading_p203105" and _where(after) == partitions.DEFAULT
    assert partitions.create_month(far) == 0  # once
    assert far in partitions.months()


@postgres_only
def test_ingest_stays_idempotent_across_partitions(manhole):
    at = datetime(2026, 12, 1, 8, tzinfo=SH)
    rows = [
        ReadingRow(device_id=manhole.pk, metric="tilt", ts=at, value=3.0, value_str="",
                   value_bool=None, unit="deg", received_at=at),
        ReadingRow(device_id=manhole.pk, metric="tilt", ts=datetime(1999, 1, 1, tzinfo=SH),
                   value=1.0, value_str="", value_bool=None, unit="deg", received_at=at),
    ]  # fmt: skip
    insert_readings(rows)
    insert_readings(rows)  # a redelivery after a crash: nothing twice
    assert Reading.objects.count() == 2
    ids = list(Reading.objects.values_list("pk", flat=True))
    assert len(set(ids)) == 2


@postgres_only
def test_the_maintenance_makes_the_coming_months(manhole):
    done = partitions.maintain(retention_months=0, today=date(2031, 1, 15), ahead=2)
    assert {"iot_reading_p203101", "iot_reading_p203102", "iot_reading_p203103"} <= set(
        done.created
    )
    again = partitions.maintain(retention_months=0, today=date(2031, 1, 15), ahead=2)
    assert again.created == []


@postgres_only
def test_the_migration_keeps_every_row_and_makes_only_the_months_it_needs(manhole):
    """Run on a database with readings: every row kept (ids too), a partition for each month
    that has readings and the coming months, a stray time of 1999 in the default partition
    (no hundred empty months), the sequence named as on a fresh database, ids going on."""
    kept = [
        _reading(manhole, datetime(2026, 3, 5, tzinfo=SH)),
        _reading(manhole, datetime(2026, 7, 31, 23, 30, tzinfo=SH)),  # July, local time
        _reading(manhole, datetime(1999, 1, 1, tzinfo=SH)),
    ]
    with connection.cursor() as c:
        partitions.unpartition_table(c)
        assert not partitions.is_partitioned()
        partitions.partition_table(c, today=date(2026, 12, 6))
        c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [partitions.TABLE])
        assert c.fetchone()[0].endswith(".iot_reading_id_seq")
    assert partitions.is_partitioned()
    assert set(Reading.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert partitions.months() == [date(2026, 3, 1), date(2026, 7, 1), date(2026, 12, 1),
                                   date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]  # fmt: skip
    assert _where(kept[1]) == "iot_reading_p202607" and _where(kept[2]) == partitions.DEFAULT
    newer = _reading(manhole, datetime(2026, 12, 6, tzinfo=SH))
    assert newer.pk > max(r.pk for r in kept)
