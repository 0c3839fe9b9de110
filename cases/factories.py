"""factory_boy factories for cases, shared by the tests, the demo generator and the benchmarks.

``CaseFactory`` writes a ``reported`` row directly (fixtures only); anything further along must
go through the services, e.g. ``cases.services.case_file(...)``, so the event trail is real.
Catalog has no factories of its own yet; the two below build local categories and standards.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from PIL import Image

from areas.factories import UnitGridFactory
from cases.models import Case, Task
from cases.states import CaseStatus, SourceChannel, TaskStatus
from catalog.models import Category, CategoryKind, FilingStandard
from core.models import TimeUnit


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("kind", "code")

    kind = CategoryKind.EVENT
    code = factory.Sequence(lambda n: f"99{n % 1000:03d}")
    major_code = "99"
    major_name = "Local"
    name = factory.Sequence(lambda n: f"Local matter {n}")
    is_local = True


class FilingStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FilingStandard
        django_get_or_create = ("code",)

    category = factory.SubFactory(CategoryFactory)
    code = factory.Sequence(lambda n: f"T{n:06d}")
    filing_condition = "Problem present"
    closing_condition = "Problem fixed"
    time_limit = Decimal("4")
    time_unit = TimeUnit.WORK_HOUR


class CaseFactory(factory.django.DjangoModelFactory):
    """A freshly reported case (status ``reported``, trusted inspector source)."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"TS{timezone.localdate():%Y%m%d}{n:05d}")
    source = SourceChannel.INSPECTOR
    trusted = True
    status = CaseStatus.REPORTED
    description = factory.Sequence(lambda n: f"Broken manhole cover {n}")
    grid = factory.SubFactory(UnitGridFactory)
    area_path = factory.LazyAttribute(lambda o: o.grid.path if o.grid else "/")
    area_class = factory.LazyAttribute(lambda o: o.grid.area_class if o.grid else "")
    lon = factory.LazyAttribute(lambda o: o.grid.centroid_lon if o.grid else None)
    lat = factory.LazyAttribute(lambda o: o.grid.centroid_lat if o.grid else None)
    reported_at = factory.LazyFunction(timezone.now)


class TaskFactory(factory.django.DjangoModelFactory):
    """A pending task row, for selector and SLA tests that need no event trail."""

    class Meta:
        model = Task

    case = factory.SubFactory(CaseFactory)
    department = factory.SubFactory("org.factories.DepartmentFactory")
    status = TaskStatus.PENDING
    time_limit = Decimal("4")
    time_unit = TimeUnit.WORK_HOUR
    started_at = factory.LazyFunction(timezone.now)
    deadline_at = factory.LazyAttribute(lambda o: o.started_at)


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    *,
    color: tuple[int, int, int] = (200, 40, 40),
    gps: bool = False,
    taken: datetime | None = None,
) -> bytes:
    """A small test photo; with ``gps=True`` it carries EXIF GPS (Ningbo) and a camera model."""
    img = Image.new("RGB", size, color)
    buf = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x0110] = "CityOps TestCam"  # Model
        exif[0x0132] = (taken or datetime(2026, 11, 23, 9, 0)).strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(0x8825).update(
            {1: "N", 2: (29.0, 52.0, 12.0), 3: "E", 4: (121.0, 33.0, 0.0)}  # GPSInfo
        )
        kwargs["exif"] = exif
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A ~100-byte PNG that declares ``width`` x ``height`` pixels (a decompression bomb: Pillow
    refuses to open anything over twice its pixel limit)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )
