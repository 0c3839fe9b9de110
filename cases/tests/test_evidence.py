"""Photos: type by content, size and pixel limits, metadata (GPS!) stripped, thumbnail made."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import services
from cases.evidence import clean_image
from cases.factories import bomb_png, image_bytes
from cases.models import Evidence
from cases.states import CaseAction, EvidenceKind
from cases.tests.conftest import photo
from core.errors import PermissionDenied, ValidationFailed


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_gps_and_all_exif_are_stripped():
    raw = image_bytes(gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the fixture really has GPS
    clean = clean_image(upload(raw))
    stored = Image.open(io.BytesIO(clean.data))
    assert dict(stored.getexif()) == {}
    assert b"CityOps TestCam" not in clean.data and b"Exif" not in clean.data


@pytest.mark.parametrize(
    ("fmt", "ctype"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_jpeg_png_and_webp_are_accepted(fmt, ctype):
    clean = clean_image(upload(image_bytes(fmt, size=(800, 600)), name="x.bin"))
    assert (clean.content_type, clean.width, clean.height) == (ctype, 800, 600)
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_type_is_judged_by_content_not_by_name():
    with pytest.raises(ValidationFailed, match="fake.jpg is not a JPEG, PNG or WebP"):
        clean_image(upload(b"GIF89a" + b"\x00" * 50, name="fake.jpg"))
    with pytest.raises(ValidationFailed, match="not a JPEG, PNG or WebP"):
        clean_image(upload(image_bytes("GIF"), name="anim.jpg"))
    with pytest.raises(ValidationFailed, match="not a JPEG"):
        clean_image(upload(image_bytes()[:200], name="truncated.jpg"))


def test_too_large_files_are_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed, match="larger than the limit"):
        clean_image(upload(image_bytes(size=(400, 400), color=(1, 2, 3)) + b"\x00" * 2000))


def test_decompression_bombs_are_refused(settings):
    settings.EVIDENCE_MAX_PIXELS = 10_000
    with pytest.raises(ValidationFailed, match="200 x 100 pixels"):
        clean_image(upload(image_bytes("PNG", size=(200, 100))))


def test_a_bomb_too_large_for_pillow_to_open_is_refused_not_a_crash():
    data = bomb_png()
    assert len(data) < 120
    with pytest.raises(ValidationFailed, match="declares more pixels than the limit") as caught:
        clean_image(upload(data, "bomb.png"))
    assert caught.value.code == "photo_too_many_pixels"


def test_empty_upload_is_refused():
    with pytest.raises(ValidationFailed, match="empty"):
        clean_image(upload(b""))


def test_orientation_is_applied_before_stripping():
    img = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 on display
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    clean = clean_image(upload(buf.getvalue()))
    assert (clean.width, clean.height) == (20, 60)


def test_stored_under_evidence_year_month_with_hash(flow, staff, t0, settings):
    case, task = flow.accepted()
    [ev] = services.evidence_attach(
        case=case,
        task=task,
        actor=staff["roads_disposer"],
        photos=[photo(gps=True)],
        kind="after",
        now=t0,
    )
    assert ev.file.name.startswith("evidence/2026/11/") and ev.thumbnail.name.endswith("-thumb.jpg")
    assert len(ev.sha256) == 64 and ev.size == ev.file.size
    with ev.file.open("rb") as fh:
        assert b"CityOps TestCam" not in fh.read()
    event = case.events.latest("pk")
    assert (event.action, event.data["evidence"]) == (CaseAction.ATTACH, [ev.pk])


def test_outsiders_cannot_attach(flow, staff, t0):
    case = flow.reported()
    with pytest.raises(PermissionDenied):
        services.evidence_attach(
            case=case,
            actor=staff["gamma_inspector"],
            photos=[photo()],
            kind=EvidenceKind.BEFORE,
            now=t0,
        )
    assert not Evidence.objects.exists()


def test_the_photos_of_one_request_share_a_pixel_budget():
    from cases.evidence import photo_budget

    with photo_budget(pixels=250_000, seconds=60):
        clean_image(upload(image_bytes("PNG", size=(300, 300)), "one.png"))  # 90,000
        clean_image(upload(image_bytes("PNG", size=(300, 300)), "two.png"))  # 180,000
        with pytest.raises(ValidationFailed, match="three.png was not taken") as caught:
            clean_image(upload(image_bytes("PNG", size=(300, 300)), "three.png"))
    assert caught.value.code == "photo_request_too_large"
    # The next request starts afresh.
    with photo_budget(pixels=250_000, seconds=60):
        clean_image(upload(image_bytes("PNG", size=(300, 300)), "three.png"))


def test_no_photo_is_started_once_the_request_has_run_out_of_time():
    from cases.evidence import photo_budget

    with photo_budget(pixels=10**9, seconds=0):
        clean_image(upload(image_bytes(), "first.jpg"))  # the first is bounded by its own size
        with pytest.raises(ValidationFailed, match="took too long") as caught:
            clean_image(upload(image_bytes(), "second.jpg"))
    assert caught.value.code == "photo_request_too_slow"


def test_a_request_over_the_budget_stores_none_of_its_photos(staff, flow, settings, client):
    settings.EVIDENCE_MAX_REQUEST_PIXELS = 150_000
    case = flow.reported()
    client.force_login(staff["alpha_inspector"])
    photos = [
        SimpleUploadedFile(f"p{i}.png", image_bytes("PNG", size=(300, 300)), "image/png")
        for i in range(2)
    ]
    response = client.post(
        f"/api/v1/cases/{case.number}/evidence", {"kind": "before", "photos": photos}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "photo_request_too_large"
    assert not Evidence.objects.filter(case=case).exists()
