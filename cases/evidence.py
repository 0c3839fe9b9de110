"""Photo evidence: check by content, strip metadata, store with a thumbnail.

Checks, in order (each refusal names the file and the reason):
1. size <= settings.EVIDENCE_MAX_BYTES (read at most that many bytes + 1, never the whole upload);
2. the bytes decode as JPEG, PNG or WebP, whatever the file name says;
3. width x height <= settings.EVIDENCE_MAX_PIXELS (decompression bombs are refused before decoding);
4. within one request (``photo_budget``, opened for every request by PhotoBudgetMiddleware), the
   photos together <= EVIDENCE_MAX_REQUEST_PIXELS, checked before each is decoded, and no photo is
   started once EVIDENCE_MAX_REQUEST_SECONDS have gone: nine near-limit photos cannot hold a
   server process for half a minute (the first photo is bounded by the per-photo limit alone).
The stored image is re-encoded from pixels only, so EXIF (GPS, camera, time), XMP and text chunks
are gone; the EXIF orientation is applied first so the photo still shows the right way up.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cases.models import Evidence
from core.errors import ValidationFailed

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # a 40 MP phone photo; bombs are usually far beyond
THUMBNAIL_BOX = (320, 320)
JPEG_QUALITY = 88
THUMBNAIL_QUALITY = 80
# Stored names (cases.models.evidence_path): evidence/<yyyy>/<mm>/<case number>-<hash>.<ext> and
# <...>-thumb.jpg, where <hash> is the start of the SHA-256; the storage appends _<7 characters>
# to the stem when the name is taken. cases.media reads the case number back from the name.
HASH_CHARS = 12
THUMBNAIL_SUFFIX = "-thumb"
STORED_NAME = re.compile(
    rf"evidence/\d{{4}}/\d{{2}}/(?P<number>[^/]+)-[0-9a-f]{{{HASH_CHARS}}}"
    rf"(?:{THUMBNAIL_SUFFIX})?(?:_[A-Za-z0-9]{{7}})?\.[a-z]+"
)
# Pillow format name -> (content type, file extension)
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _read_limited(upload, name: str) -> bytes:
    limit = max_bytes()
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("Photo %(name)s is larger than the limit of %(mb).1f MB.")
            % {"name": name, "mb": limit / 1024 / 1024},
            code="photo_too_large",
        )
    if not data:
        raise ValidationFailed(_("Photo %(name)s is empty.") % {"name": name}, code="photo_empty")
    return data


@dataclass
class PhotoBudget:
    """What the photos of one request may still cost. The clock starts at the first photo (a
    slow upload on a bad line spends none of it)."""

    pixels_left: int
    seconds: float
    deadline: float | None = None
    photos: int = 0


_budget: ContextVar[PhotoBudget | None] = ContextVar("photo_budget", default=None)


@contextmanager
def photo_budget(
    *, pixels: int | None = None, seconds: float | None = None
) -> Iterator[PhotoBudget]:
    """Limit the photos decoded inside the block (one request) together."""
    budget = PhotoBudget(
        pixels_left=settings.EVIDENCE_MAX_REQUEST_PIXELS if pixels is None else pixels,
        seconds=settings.EVIDENCE_MAX_REQUEST_SECONDS if seconds is None else seconds,
    )
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


class PhotoBudgetMiddleware:
    """Every request gets its own photo budget (cases.evidence.photo_budget)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with photo_budget():
            return self.get_response(request)


def _spend(name: str, pixels: int) -> None:
    """Take ``pixels`` from the request's budget before decoding, or refuse the photo."""
    budget = _budget.get()
    if budget is None:
        return
    if budget.deadline is None:
        budget.deadline = time.monotonic() + budget.seconds
    elif time.monotonic() > budget.deadline:
        raise ValidationFailed(
            _(
                "The photos sent together took too long to process; %(name)s and the ones after "
                "it were not taken. Send fewer or smaller photos at a time."
            )
            % {"name": name},
            code="photo_request_too_slow",
        )
    if pixels > budget.pixels_left:
        raise ValidationFailed(
            _(
                "The photos sent together exceed %(mp)d megapixels; %(name)s was not taken. Send "
                "fewer or smaller photos at a time."
            )
            % {"name": name, "mp": settings.EVIDENCE_MAX_REQUEST_PIXELS // 1_000_000},
            code="photo_request_too_large",
        )
    budget.pixels_left -= pixels
    budget.photos += 1


def _open(data: bytes, name: str) -> Image.Image:
    not_image = ValidationFailed(
        _("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}, code="photo_type"
    )
    size: tuple[int, int] | None = None
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between 1x and 2x its own pixel limit: refuse those too.
            # Beyond 2x it raises in Image.open itself, before the size is known to us.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            size = img.size
            fmt = img.format
            if fmt not in ALLOWED_FORMATS:
                raise not_image
            w, h = img.size
            if w * h > max_pixels():
                raise _too_many_pixels(name, w, h)
            _spend(name, w * h)
            img.verify()  # structure check; the image must be reopened afterwards
            img = Image.open(io.BytesIO(data))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, *(size or (0, 0))) from None
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_image from exc
    return img


def _too_many_pixels(name: str, w: int, h: int) -> ValidationFailed:
    """``w``/``h`` 0 when the file declared a size too large for Pillow to open it at all (a
    decompression bomb: a few bytes declaring 30000 x 30000)."""
    if not (w and h):
        return ValidationFailed(
            _("Photo %(name)s declares more pixels than the limit of %(mp)d megapixels.")
            % {"name": name, "mp": max_pixels() // 1_000_000},
            code="photo_too_many_pixels",
        )
    return ValidationFailed(
        _("Photo %(name)s is %(w)d x %(h)d pixels; the limit is %(mp)d megapixels.")
        % {"name": name, "w": w, "h": h, "mp": max_pixels() // 1_000_000},
        code="photo_too_many_pixels",
    )


def _encode(img: Image.Image, fmt: str, *, quality: int) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(buf, "JPEG", quality=quality, optimize=True)
    elif fmt == "PNG":
        img.save(buf, "PNG", optimize=True)
    else:
        img.save(buf, "WEBP", quality=quality)
    return buf.getvalue()


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")  # always a copy: the caller shrinks it in place


def clean_image(upload, *, name: str = "") -> CleanImage:
    """Validate and re-encode an uploaded photo; raises ValidationFailed with the reason."""
    name = name or getattr(upload, "name", "") or _("(unnamed)")
    data = _read_limited(upload, name)
    img = _open(data, name)
    fmt = img.format
    content_type, ext = ALLOWED_FORMATS[fmt]
    # exif_transpose also drops the orientation tag; the re-encode below drops everything else.
    upright = ImageOps.exif_transpose(img)
    # A fresh image from raw pixels carries no ``info`` (EXIF, XMP, PNG text, comments) at all.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode == "P":
        pixels.putpalette(upright.getpalette())
    stored = _encode(pixels, fmt, quality=JPEG_QUALITY)
    thumb = _flatten(pixels)
    thumb.thumbnail(THUMBNAIL_BOX)
    return CleanImage(
        data=stored,
        thumbnail=_encode(thumb, "JPEG", quality=THUMBNAIL_QUALITY),
        content_type=content_type,
        extension=ext,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(stored).hexdigest(),
    )


def store_evidence(*, case, task=None, kind: str, upload, actor, at: datetime) -> Evidence:
    """Check, clean and save one photo as an Evidence row (no CaseEvent: the caller writes it)."""
    # Imported here: cases.services imports this module, so a top-level import would be circular.
    from core import rows as _rows

    original_name = (getattr(upload, "name", "") or "")[:200]
    clean = clean_image(upload, name=original_name)
    evidence = Evidence(
        case=case,
        task=task,
        kind=kind,
        content_type=clean.content_type,
        size=len(clean.data),
        width=clean.width,
        height=clean.height,
        sha256=clean.sha256,
        original_name=original_name,
        taken_at=at,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    stem = f"{case.number}-{clean.sha256[:HASH_CHARS]}"
    evidence.file.save(f"{stem}.{clean.extension}", ContentFile(clean.data), save=False)
    evidence.thumbnail.save(
        f"{stem}{THUMBNAIL_SUFFIX}.jpg", ContentFile(clean.thumbnail), save=False
    )
    _rows.insert(evidence)
    return evidence


def stored_case_number(name: str) -> str | None:
    """The case number a stored evidence name was written for, or None if it is not one."""
    match = STORED_NAME.fullmatch(name or "")
    return match["number"] if match else None
