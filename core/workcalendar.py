"""Working-time calendar (工作时/工作日 arithmetic). See DESIGN.md "Time"."""

from __future__ import annotations

from datetime import time


class WorkWindowError(ValueError):
    """A working-window specification cannot be parsed."""


def parse_windows(spec: str) -> list[tuple[time, time]]:
    """Parse ``"08:00-12:00,14:00-18:00"`` into sorted, non-overlapping (start, end) pairs."""
    windows: list[tuple[time, time]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            start_s, end_s = part.split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise WorkWindowError(f"{part!r} is not HH:MM-HH:MM") from exc
        if start >= end:
            raise WorkWindowError(f"{part!r} ends before it starts")
        windows.append((start, end))
    if not windows:
        raise WorkWindowError("no working window given")
    windows.sort()
    for (_s1, e1), (s2, _e2) in zip(windows, windows[1:], strict=False):
        if s2 < e1:
            raise WorkWindowError("working windows overlap")
    return windows
