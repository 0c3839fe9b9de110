"""The outcome of an import as it goes: counts, and the rejected rows written in chunks."""

from __future__ import annotations

from dataclasses import dataclass

from cases.limits import DESCRIPTION_MAX
from hotline.mapping import Mapping
from hotline.models import REASON_MAX, ImportNote, ImportRejection, ImportRun
from hotline.readers import Cell

FLUSH_EVERY = 1000
EXTERNAL_ID_MAX = 100
# What the platform keeps of a row's texts (the case's and the intake record's columns); longer
# values are cut there and noted here with their full text.
TEXT_LIMITS = {
    "description": DESCRIPTION_MAX,
    "address": 200,
    "reporter_name": 60,
    "reporter_phone": 30,
    "void_reason": 2000,
}


def cut_fields(values: dict[str, object]) -> dict[str, dict]:
    """The fields of ``values`` longer than TEXT_LIMITS allows: {field: {length, kept, full}}."""
    cut = {}
    for name, limit in TEXT_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value.strip()) > limit:
            cut[name] = {"length": len(value.strip()), "kept": limit, "full": value}
    return cut


@dataclass
class Counts:
    """created / duplicates (attached to an open case) / skipped (already imported) / rejected."""

    rows: int = 0
    created: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0
    cut: int = 0

    def as_fields(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "cut": self.cut,
        }


class Rejections:
    """Rejected rows of one run, and notes of rows that went in with a field cut; written every
    FLUSH_EVERY rows unless held (dry runs write them after the rollback of everything else)."""

    def __init__(self, run: ImportRun, counts: Counts, *, hold: bool = False) -> None:
        self.run = run
        self.counts = counts
        self.hold = hold
        self.pending: list[ImportRejection] = []
        self.notes: list[ImportNote] = []

    def note_cut(self, line: int, external_id: str, cut: dict[str, dict]) -> None:
        """Row ``line`` went in with the fields of ``cut`` (cut_fields) shortened."""
        if not cut:
            return
        self.counts.cut += 1
        self.notes.append(
            ImportNote(
                run=self.run,
                line=line,
                external_id=(external_id or "")[:EXTERNAL_ID_MAX],
                fields=cut,
            )
        )
        if not self.hold and len(self.notes) >= FLUSH_EVERY:
            self.flush()

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
        if self.notes:
            ImportNote.objects.bulk_create(self.notes, batch_size=FLUSH_EVERY)
            self.notes = []
