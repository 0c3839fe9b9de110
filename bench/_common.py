"""Shared helpers for the benchmarks: import path, timing, and the DESIGN.md result line.

Every bench prints, as its **last line**, one JSON object:
``{"bench": name, "value": v, "unit": u, "baseline": b, "ratio": v / b, "n": items}``
(DESIGN.md "Benchmarks"); anything before that line is for people.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ``python bench/x.py`` puts bench/ first on sys.path; CityOps itself lives one level up.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    """For benches that need the ORM (not point_to_grid, which is DB-free)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()


def best_time(func: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    """Best wall-clock seconds of ``repeat`` runs (least disturbed by other load) and a result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def emit(*, bench: str, value: float, unit: str, baseline: float, n: int) -> dict:
    """Print the DESIGN.md result line (must be the last thing the bench prints)."""
    line = {
        "bench": bench,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 4) if baseline else None,
        "n": n,
    }
    print(json.dumps(line), flush=True)
    return line
