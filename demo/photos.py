"""Generated photos for the demo's cases: a small street scene before, a tidy one after.

Real photos would be heavier and someone's property; these are drawn with Pillow (a road, a
kerb, a problem blob before, a clean pavement after), small enough that thousands of cases
seed quickly, and different enough between cases that the case page does not look copied.
"""

from __future__ import annotations

import io
import random
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

SIZE = (240, 180)
VARIANTS = 12  # drawings per kind; cases pick one by their number
JPEG_QUALITY = 70
BEFORE, AFTER, SNAPSHOT = "before", "after", "snapshot"

_PROBLEM_COLOURS = ((120, 90, 60), (90, 90, 95), (150, 120, 40), (60, 110, 60), (160, 60, 50))


@lru_cache(maxsize=VARIANTS * 3)
def _drawing(kind: str, variant: int) -> bytes:
    rng = random.Random(f"{kind}:{variant}")
    width, height = SIZE
    sky = tuple(rng.randint(150, 210) for _ in range(3))
    img = Image.new("RGB", SIZE, sky)
    draw = ImageDraw.Draw(img)
    horizon = rng.randint(60, 90)
    # buildings
    x = 0
    while x < width:
        w = rng.randint(25, 60)
        h = rng.randint(25, horizon)
        shade = rng.randint(90, 170)
        draw.rectangle([x, horizon - h, x + w, horizon], fill=(shade, shade - 10, shade - 20))
        x += w + rng.randint(0, 8)
    draw.rectangle([0, horizon, width, height], fill=(110, 110, 115))  # road
    kerb = horizon + rng.randint(40, 60)
    draw.rectangle([0, horizon, width, kerb], fill=(175, 170, 160))  # pavement
    draw.line([0, kerb, width, kerb], fill=(235, 235, 235), width=3)
    if kind == AFTER:
        draw.ellipse([width - 40, 8, width - 12, 36], outline=(40, 160, 70), width=4)
        draw.line([width - 34, 22, width - 27, 30, width - 16, 14], fill=(40, 160, 70), width=4)
    else:
        colour = rng.choice(_PROBLEM_COLOURS)
        cx, cy = rng.randint(40, width - 40), rng.randint(horizon + 10, height - 20)
        for _ in range(rng.randint(3, 7)):
            dx, dy = rng.randint(-30, 30), rng.randint(-12, 12)
            r = rng.randint(6, 16)
            draw.ellipse([cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r], fill=colour)
        if kind == SNAPSHOT:  # a video-AI frame: detection box and timestamp bar
            draw.rectangle([cx - 40, cy - 25, cx + 40, cy + 25], outline=(255, 40, 40), width=2)
            draw.rectangle([0, 0, width, 12], fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def photo_bytes(kind: str, key: int) -> bytes:
    return _drawing(kind, key % VARIANTS)


def photo(kind: str, key: int) -> SimpleUploadedFile:
    """An upload as a phone would send it (``cases.evidence`` checks and re-encodes it)."""
    return SimpleUploadedFile(f"{kind}-{key}.jpg", photo_bytes(kind, key), "image/jpeg")
