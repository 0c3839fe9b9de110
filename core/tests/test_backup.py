"""manage.py backup / restore: a round trip brings back every row and every file, on SQLite and
on PostgreSQL (pg_dump/pg_restore), and refuses what would destroy data by mistake."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from areas.models import UnitGrid
from cases.factories import CaseFactory
from cases.models import Case
from core.backup import BackupError, backup, read_manifest, restore, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = Path(settings.MEDIA_ROOT) / "cases" / "2026" / "12" / "before.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    return photo


def test_a_round_trip_brings_back_every_row_and_file(small_city, media, tmp_path):
    grid = UnitGrid.objects.order_by("code").first()
    kept = CaseFactory(grid=grid)
    before = table_counts()
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().split(":")[0])
    manifest = read_manifest(archive)
    assert archive.stat().st_mode & 0o777 == 0o600  # the whole database: for its owner only
    assert manifest["tables"] == before and manifest["tables"]["cases_case"] == 1
    assert manifest["media_files"] == 1 and manifest["migrations"]["cases"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert "media/cases/2026/12/before.jpg" in names
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert django_settings.SECRET_KEY.encode() not in blob  # no secret in the archive

    # The site goes on: a case is added, one deleted, a photo lost.
    CaseFactory(grid=grid)
    kept.delete()
    media.unlink()
    with pytest.raises(CommandError, match="already holds cases; pass --replace"):
        call_command("restore", str(archive))

    out = io.StringIO()
    call_command("restore", str(archive), "--replace", stdout=out)
    assert "as in the backup" in out.getvalue() and "1 files" in out.getvalue()
    assert list(Case.objects.values_list("number", flat=True)) == [kept.number]
    assert media.read_bytes() == b"\xff\xd8 a photo"
    assert table_counts() == before


def test_an_archive_of_another_engine_or_not_an_archive_is_refused(small_city, media, tmp_path):
    archive = backup(tmp_path)
    other = tmp_path / "other.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(other, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["engine"] = "oracle"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="backup is of a oracle database"):
        restore(other, replace=True)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="is not a CityOps backup"):
        call_command("restore", str(junk))
    with pytest.raises(CommandError, match="No backup archive at"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="pg_restore streams into psql on PostgreSQL",
)
def test_a_dump_cut_short_changes_nothing(small_city, media, tmp_path):
    """A PostgreSQL dump cut in half: the restore fails and the database is as it was (one
    transaction, committed only once the whole dump was read)."""
    grid = UnitGrid.objects.order_by("code").first()
    CaseFactory(grid=grid)
    archive = backup(tmp_path)
    CaseFactory(grid=grid)  # the site goes on
    cut = tmp_path / "cut.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(cut, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith(".pgdump"):
                data = data[: len(data) // 2]
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="nothing was changed"):
        restore(cut, replace=True)
    assert Case.objects.count() == 2


def test_a_psql_that_stops_early_neither_hangs_nor_hides_its_error(tmp_path, monkeypatch):
    """pg_restore writes far more than a pipe holds while psql has already stopped at an
    error: the restore ends (no pipe left blocking) and says psql's own error."""
    import os
    import threading

    from core import backup as backups

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pg_restore").write_text("#!/bin/sh\nexec head -c 20000000 /dev/zero\n")
    (bin_dir / "psql").write_text(
        "#!/bin/sh\nhead -c 100 >/dev/null\necho 'ERROR: boom' >&2\nexit 3\n"
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    outcome = {}

    def run():
        try:
            backups._restore_postgres(tmp_path / "db.pgdump")
        except BackupError as exc:
            outcome["error"] = str(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the restore hung"
    assert "psql failed" in outcome["error"] and "boom" in outcome["error"]
