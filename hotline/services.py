"""Run an import: ``import_file`` (a path, for the command) and ``run_import`` (an ImportRun
whose file was uploaded in the admin; huey runs large ones).

Either way one ImportRun row records the request and the outcome: rows read, cases created,
duplicates attached to open cases, rows skipped because their work order was imported before,
and rejected rows (each an ImportRejection with line and reason). A file that cannot be read
at all (not CSV/xlsx, a required column missing) fails the run with that message; a bad row
never does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.states import SourceChannel
from core.errors import DomainError, ValidationFailed
from hotline.historical import DEFAULT_BATCH, import_historical
from hotline.live import import_live
from hotline.mapping import HISTORICAL_REQUIRED, LIVE_REQUIRED, Mapping
from hotline.models import ImportProfile, ImportRun, RunMode, RunStatus
from hotline.readers import open_table
from hotline.report import Counts, Rejections

logger = logging.getLogger(__name__)


class _DryRun(Exception):
    """Raised inside the live dry run's transaction to roll everything back."""


def _check_source(source: str) -> str:
    if source and source not in SourceChannel.values:
        raise ValidationFailed(
            _("Unknown source channel %(source)r; use one of %(choices)s.")
            % {"source": source, "choices": ", ".join(SourceChannel.values)},
            details={"field": "source"},
        )
    return source


def profile_named(name: str | None) -> ImportProfile | None:
    if not name:
        return None
    profile = ImportProfile.objects.filter(name=name).first()
    if profile is None:
        known = ", ".join(ImportProfile.objects.values_list("name", flat=True)) or _("none yet")
        raise ValidationFailed(
            _("No import profile %(name)r (saved profiles: %(known)s).")
            % {"name": name, "known": known},
            details={"field": "profile"},
        )
    return profile


def create_run(
    *,
    file_name: str,
    source: str = "",
    profile: ImportProfile | None = None,
    historical: bool = False,
    dry_run: bool = False,
    actor=None,
    upload=None,
) -> ImportRun:
    source = _check_source(source) or (
        profile.source if profile is not None else SourceChannel.HOTLINE_12345
    )
    run = ImportRun(
        profile=profile,
        source=source,
        mode=RunMode.HISTORICAL if historical else RunMode.LIVE,
        dry_run=dry_run,
        file_name=Path(file_name).name[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if upload is not None:
        run.file.save(Path(upload.name).name, upload, save=False)
    run.save()
    return run


def import_file(
    *,
    path: str | Path,
    source: str = "",
    profile: ImportProfile | None = None,
    historical: bool = False,
    dry_run: bool = False,
    actor=None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> ImportRun:
    """Import the file at ``path`` (command line); returns the finished (or failed) run."""
    with open(path, "rb") as stream:  # a missing file fails before any run is recorded
        run = create_run(
            file_name=str(path),
            source=source,
            profile=profile,
            historical=historical,
            dry_run=dry_run,
            actor=actor,
        )
        execute(
            run,
            stream,
            actor=actor,
            progress=progress,
            on_total=on_total,
            batch_size=batch_size,
        )
    return run


def run_import(run_id: int, *, batch_size: int = DEFAULT_BATCH) -> ImportRun:
    """Import the uploaded file of run ``run_id`` (admin upload, inline or from huey)."""
    run = ImportRun.objects.select_related("profile", "created_by").get(pk=run_id)
    if run.status != RunStatus.PENDING:
        return run  # a retried task must not import the file twice
    with run.file.open("rb") as stream:
        execute(run, stream, actor=None, batch_size=batch_size)
    return run


def execute(
    run: ImportRun,
    stream: IO[bytes],
    *,
    actor=None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> ImportRun:
    """Read ``stream`` into ``run`` (which ends DONE, or FAILED with the reason in ``error``)."""
    now = timezone.now()
    run.status, run.started_at = RunStatus.RUNNING, now
    run.save(update_fields=["status", "started_at", "updated_at"])
    counts = Counts()
    historical = run.mode == RunMode.HISTORICAL
    rejections = Rejections(run, counts, hold=run.dry_run and not historical)
    try:
        profile = run.profile
        table = open_table(
            stream,
            name=run.file_name,
            delimiter=profile.delimiter if profile else "",
            sheet=profile.sheet if profile else "",
        )
        run.total_rows = table.total
        run.save(update_fields=["total_rows", "updated_at"])
        if on_total is not None:
            on_total(table.total)
        mapping = Mapping(table.header, profile, source=run.source)
        run.header = mapping.columns
        run.save(update_fields=["header", "updated_at"])
        missing = mapping.missing(HISTORICAL_REQUIRED if historical else LIVE_REQUIRED)
        if missing:
            raise ValidationFailed(
                _("The file has no column for %(missing)s. Its columns are: %(found)s.")
                % {"missing": "; ".join(missing), "found": ", ".join(table.header)},
                code="missing_columns",
            )
        if historical:
            import_historical(
                table=table,
                mapping=mapping,
                run=run,
                counts=counts,
                rejections=rejections,
                now=now,
                dry_run=run.dry_run,
                batch_size=batch_size,
                progress=progress,
            )
        else:
            _live(run, table, mapping, counts, rejections, actor, progress)
    except DomainError as exc:
        _finish(run, counts, rejections, error=exc.message)
    except Exception as exc:
        logger.exception("hotline import run %s failed", run.pk)
        _finish(run, counts, rejections, error=f"{type(exc).__name__}: {exc}")
        raise
    else:
        _finish(run, counts, rejections)
    return run


def _live(run, table, mapping, counts, rejections, actor, progress) -> None:
    kwargs = dict(
        table=table,
        mapping=mapping,
        run=run,
        counts=counts,
        rejections=rejections,
        actor=actor,
        progress=progress,
    )
    if not run.dry_run:
        import_live(**kwargs)
        return
    try:
        with transaction.atomic():
            import_live(**kwargs)
            raise _DryRun
    except _DryRun:
        pass


def _finish(run: ImportRun, counts: Counts, rejections: Rejections, *, error: str = "") -> None:
    rejections.flush()
    for name, value in counts.as_fields().items():
        setattr(run, name, value)
    run.error = error
    run.status = RunStatus.FAILED if error else RunStatus.DONE
    run.finished_at = timezone.now()
    run.save()


def summary(run: ImportRun) -> str:
    """One line for people: what the run did (the command prints it; the admin shows it)."""
    prefix = _("Dry run, nothing written. ") if run.dry_run else ""
    text = _(
        "%(prefix)s%(rows)d rows: %(created)d cases created, %(dups)d duplicates attached, "
        "%(skipped)d already imported, %(rejected)d rejected."
    ) % {
        "prefix": prefix,
        "rows": run.rows,
        "created": run.created,
        "dups": run.duplicates,
        "skipped": run.skipped,
        "rejected": run.rejected,
    }
    if run.cut:
        text += " " + _(
            "%(n)d rows went in with a text cut to the length the platform keeps (their full "
            "texts are in the run's notes)."
        ) % {"n": run.cut}
    if run.seconds:
        text += " " + _("%(s).1f s, %(rate).0f rows/s.") % {
            "s": run.seconds,
            "rate": run.rows / run.seconds if run.seconds else 0,
        }
    if run.error:
        text += " " + _("Failed: %(error)s") % {"error": run.error}
    return text
