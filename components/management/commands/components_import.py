"""``manage.py components_import FILE [--survey NAME] [--dry-run] [--apply-missing]``: load a
survey (部件普查) of GeoJSON, CSV or xlsx into the component register (components.surveys):
every refused row named with its line, new / changed / missing listed before anything is
written; ``--dry-run`` writes nothing, ``--apply-missing`` marks the components the survey did
not find as removed (移除)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from components import surveys

SHOWN = 20


class Command(BaseCommand):
    help = "Load a component survey (部件普查) into the register."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--survey", default="", help="name of the survey (default: the file)")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--apply-missing", action="store_true")

    def handle(self, *args, file: str, survey: str, dry_run: bool, apply_missing: bool, **opts):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        with path.open("rb") as stream:
            try:
                report = surveys.load(
                    stream,
                    name=path.name,
                    survey=survey or path.name,
                    dry_run=dry_run,
                    apply_missing=apply_missing,
                )
            except surveys.RowRefused as exc:
                raise CommandError(f"{file}: {exc}") from None
        for label, reason in report.refused:
            self.stderr.write(f"{file}, {label}: {reason}")
        for code, differences in list(report.changed.items())[:SHOWN]:
            fields = ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in differences.items())
            self.stdout.write(f"changed {code}: {fields}")
        for code in report.missing[:SHOWN]:
            self.stdout.write(f"missing {code}")
        summary = report.as_dict()
        line = (
            f"{summary['rows']} rows: {summary['new']} new, {summary['changed']} changed, "
            f"{summary['unchanged']} unchanged, {summary['refused']} refused; "
            f"{summary['missing']} registered components not found by the survey"
        )
        if dry_run:
            line += ". Dry run: nothing written."
        elif apply_missing:
            line += f" ({summary['removed']} marked removed). Applied."
        else:
            line += " (kept; --apply-missing marks them removed). Applied."
        self.stdout.write(line)
        if report.refused:
            raise CommandError(f"{len(report.refused)} rows refused (listed above).")
