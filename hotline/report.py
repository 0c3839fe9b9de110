"""The outcome of an import as it goes: counts, and the rejected rows written in chunks."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.mapping import Mapping
from hotline.models import REASON_MAX, ImportRejection, ImportRun
from hotline.readers import Cell

FLUSH_EVERY = 1000
EXTERNAL_ID_MAX = 100


@dataclass
class Counts:
    """created / duplicates (attached to an open case) / skipped (already imported) / rejected."""

    rows: int = 0
    created: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0

    def as_fields(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "rejected": self.rejected,
        }


class Rejections:
    """Rejected rows of one run; written every FLUSH_EVERY rows unless held (dry runs write them
    after the rollback of everything else)."""

    def __init__(self, run: ImportRun, counts: Counts, *, hold: bool = False) -> None:
        self.run = run
        self.counts = counts
        self.hold = hold
        self.pending: list[ImportRejection] = []

    def add(self, line: int, external_id: str, reason: str, mapping: Mapping, cells: list[Cell]):
        self.counts.rejected += 1
        self.pending.append(
            ImportRejection(
                run=self.run,
                line=line,
                external_id=(external_id or "")[:EXTERNAL_ID_MAX],
                reason=reason[:REASON_MAX],
                values=mapping.row_dict(cells),
            )
        )
        if not self.hold and len(self.pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            ImportRejection.objects.bulk_create(self.pending, batch_size=FLUSH_EVERY)
            self.pending = []
