"""Backups (备份) of the database and the uploaded files, and restoring them.

One archive (``cityops-backup-<time>.tar.gz``) holds:

* ``manifest.json``: when, which database engine, the last migration of every app, and the row
  count of every table, so a restore can prove it brought everything back;
* the database: SQLite through SQLite's online backup (a consistent copy while the site runs),
  PostgreSQL as ``pg_dump --format=custom`` (restored with ``pg_restore``);
* ``media/``: photos and uploaded files (MEDIA_ROOT).

``restore`` refuses a database that already holds cases unless told to replace it, loads the
dump, unpacks the files and compares every table's rows with the manifest. Secrets (SECRET_KEY,
passwords in DATABASE_URL) are never written into the archive.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "db.sqlite3"
POSTGRES_DUMP = "db.pgdump"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done, with what to do about it."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    files: int


def _connection():
    return connections[DEFAULT_DB_ALIAS]


def engine() -> str:
    vendor = _connection().vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's and CityOps' alike)."""
    connection = _connection()
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(_connection()).migration_qs.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore (the password through the environment)."""
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(
            f"{argv[0]} is not installed; install the PostgreSQL client of the server's version "
            "(Debian: apt install postgresql-client)."
        )
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(output_dir: Path, *, now: datetime | None = None) -> Path:
    """Write an archive of the database and MEDIA_ROOT into ``output_dir``; its path."""
    vendor = engine()
    now = now or timezone.now()
    output_dir.mkdir(parents=True, exist_ok=True)
    archive = output_dir / f"cityops-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output_dir) as work:
        work_dir = Path(work)
        connection = _connection()
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(work_dir / SQLITE_DUMP)
            try:
                connection.connection.backup(target)
                tables = _sqlite_counts(target)  # counted in the copy: what the archive holds
            finally:
                target.close()
            dump = SQLITE_DUMP
        else:
            tables = _pg_dump(work_dir / POSTGRES_DUMP)
            dump = POSTGRES_DUMP
        files = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
        )
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "engine": vendor,
            "dump": dump,
            "migrations": _migrations(),
            "tables": tables,
            "media_files": len(files),
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work_dir / MANIFEST, arcname=MANIFEST)
            tar.add(work_dir / dump, arcname=dump)
            for path in files:
                tar.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
        partial.chmod(0o600)  # the whole database: password hashes, phone numbers
        partial.rename(archive)  # never a half-written archive under the final name
    return archive


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    names = sorted(row[0] for row in db.execute(query))
    return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def _pg_dump(path: Path) -> dict[str, int]:
    """pg_dump into ``path`` from a snapshot this connection exports, and every table's rows
    counted in that same snapshot (a site that keeps writing changes neither)."""
    args, env = _pg_env()
    name = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    with transaction.atomic():
        with _connection().cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = table_counts()
        argv = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", *args]
        _run([*argv, "-f", str(path), name], env)
    return counts


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a CityOps backup: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has backup format {manifest.get('format')}, not {FORMAT}")
    return manifest


def restore(archive: Path, *, replace: bool = False) -> Restored:
    """Load ``archive`` into the configured database and MEDIA_ROOT, then check every table's
    row count against its manifest."""
    manifest = read_manifest(archive)
    vendor = engine()
    if manifest["engine"] != vendor:
        raise BackupError(
            f"the backup is of a {manifest['engine']} database; this site uses {vendor}"
        )
    if not replace and _holds_cases():
        raise BackupError("the database already holds cases; pass --replace to overwrite it")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work_dir, filter="data")  # no paths outside, no links, no devices
        if vendor == "sqlite":
            _restore_sqlite(work_dir / SQLITE_DUMP)
        else:
            _restore_postgres(work_dir / POSTGRES_DUMP)
        files = 0
        source = work_dir / MEDIA
        if source.exists():
            for path in source.rglob("*"):
                if path.is_file():
                    target = media_root / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    files += 1
    counts = table_counts()
    wrong = {
        table: (rows, counts.get(table))
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    }
    if wrong:
        raise BackupError(f"restored tables differ from the backup (expected, found): {wrong}")
    return Restored(tables=len(counts), rows=sum(counts.values()), files=files)


def _holds_cases() -> bool:
    connection = _connection()
    with connection.cursor() as cursor:
        if "cases_case" not in connection.introspection.table_names(cursor):
            return False
        cursor.execute("SELECT 1 FROM cases_case LIMIT 1")
        return cursor.fetchone() is not None


def _restore_sqlite(dump: Path) -> None:
    connection = _connection()
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        # SQLite's backup API in reverse: the page copy replaces the whole live database.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgres(dump: Path) -> None:
    """The dump replaces the database's tables in one transaction: the schema is emptied and
    the dump's SQL loaded (pg_restore's output streamed into psql). ``pg_restore --clean``
    cannot be used: it drops each partition's inherited primary key, which PostgreSQL refuses
    (the readings table is partitioned, iot.partitions). The schema is made anew by the
    restoring user, without the dump's grants: a role granted access to the tables besides
    CityOps's own (a reporting reader) is granted again after a restore."""
    args, env = _pg_env()
    name = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    _connection().close()
    for tool in ("pg_restore", "psql"):
        if shutil.which(tool) is None:
            raise BackupError(
                f"{tool} is not installed; install the PostgreSQL client of the server's "
                "version (Debian: apt install postgresql-client)."
            )
    # psql runs one transaction that we end: COMMIT only once pg_restore has written all of
    # the dump; a dump cut short, or any failed statement (ON_ERROR_STOP), commits nothing.
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        producer = subprocess.Popen(
            ["pg_restore", "--no-owner", "--no-privileges", "-f", "-", str(dump)],
            env=env, stdout=subprocess.PIPE, stderr=restore_errors,
        )  # fmt: skip
        consumer = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, "-d", name, "-f", "-"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors,
        )  # fmt: skip
        restored = False
        try:
            try:
                consumer.stdin.write(
                    b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
                )
                while chunk := producer.stdout.read(1 << 20):
                    consumer.stdin.write(chunk)
                restored = producer.wait() == 0
                consumer.stdin.write(b"\nCOMMIT;\n" if restored else b"\nROLLBACK;\n")
                consumer.stdin.close()
            except BrokenPipeError:  # psql stopped at an error (it rolled back)
                pass
            # Nobody reads pg_restore any more: close its pipe so it cannot block on a full one.
            producer.stdout.close()
            consumer.wait()
            producer.wait()
        finally:
            for process in (producer, consumer):
                if process.poll() is None:
                    process.kill()
                    process.wait()
        if consumer.returncode != 0:  # psql's own error first: it is why pg_restore broke off
            psql_errors.seek(0)
            text = psql_errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(f"psql failed (nothing was changed): {text}")
        if not restored:
            restore_errors.seek(0)
            text = restore_errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(f"pg_restore failed (nothing was changed): {text}")
