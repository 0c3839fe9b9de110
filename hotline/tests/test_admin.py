"""Admin: upload a file (inline when small, through huey when large), watch the run, download
its rejected rows; profiles are validated."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from core.testing import huey_immediate
from hotline import tasks
from hotline.models import ImportRun, RunStatus
from hotline.tests.conftest import LIVE_HEADER, live_row, write_csv
from org.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.login(username="admin", password=DEFAULT_PASSWORD)
    return client


def calls_file(tmp_path, *, bad: bool = True) -> SimpleUploadedFile:
    rows = [live_row(i) for i in range(4)] + ([live_row(4, 经度="1", 纬度="1")] if bad else [])
    path = write_csv(tmp_path / "calls.csv", LIVE_HEADER, rows)
    return SimpleUploadedFile("calls.csv", path.read_bytes(), content_type="text/csv")


def test_a_small_upload_is_imported_at_once_and_its_rejections_download_as_csv(
    admin_client, tmp_path
):
    response = admin_client.post(
        reverse("admin:hotline_importrun_upload"), {"file": calls_file(tmp_path)}
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:hotline_importrun_change", args=[run.pk])
    assert (run.status, run.created, run.rejected) == (RunStatus.DONE, 4, 1)
    assert run.created_by.username == "admin" and run.file.name.endswith("calls.csv")
    page = admin_client.get(response["Location"])
    assert "4 cases created" in page.content.decode()
    csv_response = admin_client.get(reverse("admin:hotline_importrun_rejections", args=[run.pk]))
    body = b"".join(csv_response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffline,external id,reason,工单编号")
    assert "6,12345-00004," in body and "outside every unit grid" in body


def test_a_large_upload_goes_to_the_queue(admin_client, tmp_path, settings):
    settings.HOTLINE_IMPORT_INLINE_MAX_BYTES = 10
    with huey_immediate():
        admin_client.post(
            reverse("admin:hotline_importrun_upload"), {"file": calls_file(tmp_path, bad=False)}
        )

    run = ImportRun.objects.get()
    assert (run.status, run.created) == (RunStatus.DONE, 4)
    assert Case.objects.count() == 4


def test_a_run_is_imported_once_even_if_the_task_runs_twice(admin_client, tmp_path, settings):
    settings.HOTLINE_IMPORT_INLINE_MAX_BYTES = 10
    with huey_immediate():
        admin_client.post(
            reverse("admin:hotline_importrun_upload"), {"file": calls_file(tmp_path, bad=False)}
        )
        tasks.import_run(ImportRun.objects.get().pk)

    assert ImportRun.objects.get().created == 4 and Case.objects.count() == 4


def test_the_form_refuses_other_files_and_the_page_lists_the_fields(admin_client):
    upload = SimpleUploadedFile("notes.pdf", b"%PDF", content_type="application/pdf")

    response = admin_client.post(reverse("admin:hotline_importrun_upload"), {"file": upload})

    assert response.status_code == 200
    assert "notes.pdf is not a CSV or xlsx file" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_staff_without_the_permission_cannot_upload(client, personas):
    user = personas["city_dispatcher"]
    user.is_staff = True
    user.save()
    client.login(username="dispatcher", password=DEFAULT_PASSWORD)

    assert client.get(reverse("admin:hotline_importrun_upload")).status_code == 403


def test_a_profile_with_an_unknown_field_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:hotline_importprofile_add"),
        {
            "name": "bad",
            "source": "hotline_12345",
            "columns": '{"ticket": "工单编号"}',
            "value_maps": "{}",
            "date_formats": "[]",
            "timezone": "Asia/Shanghai",
            "crs": "wgs84",
        },
    )

    assert response.status_code == 200
    assert "Unknown fields ticket" in response.content.decode()


def test_a_running_import_shows_a_progress_bar_and_refreshes(admin_client):
    run = ImportRun.objects.create(
        source="hotline_12345",
        mode="historical",
        file_name="big.csv",
        status=RunStatus.RUNNING,
        total_rows=1000,
        created=380,
        rejected=20,
    )

    page = admin_client.get(
        reverse("admin:hotline_importrun_change", args=[run.pk])
    ).content.decode()

    assert '<progress value="400" max="1000"' in page
    assert "400 of about 1000 rows" in page
    assert '<meta http-equiv="refresh" content="3">' in page
