"""Reads of import runs: the rejected rows as CSV (to fix the file and import it again)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from hotline.models import ImportRejection, ImportRun

CHUNK = 2000


def rejections_csv_rows(run: ImportRun) -> Iterator[list[str]]:
    """Header, then one row per rejection: line, external id, reason, then the row as read
    (the original columns, in the order of the file's header)."""
    qs = ImportRejection.objects.filter(run=run).order_by("line")
    columns = list(run.header or [])
    yield [_("line"), _("external id"), _("reason"), *columns]
    for rejection in qs.iterator(chunk_size=CHUNK):
        values = rejection.values or {}
        yield [
            str(rejection.line),
            rejection.external_id,
            rejection.reason,
            *(values.get(c, "") for c in columns),
        ]
