"""A POSTed media_url: after the POST commits, a huey task fetches the photo from the client's
server and attaches it to the case as a before-photo, through the same checks as an uploaded
photo; when it cannot, the reason goes on the case trail and the link stays. A real HTTP server
on 127.0.0.1 plays the client's photo host (OPEN311_MEDIA_FETCH_ALLOW_PRIVATE on)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage
from PIL import Image

from cases import services as case_services
from cases.factories import image_bytes
from cases.models import Case, CaseEvent, Evidence
from cases.states import CaseAction, CaseStatus
from core.testing import huey_immediate
from intake.models import IntakeReport
from open311 import media, tasks
from open311.models import MediaStatus, Submission
from open311.tests.conftest import BASE, T0
from open311.tests.photo_server import PhotoServer
from open311.tests.schema import validate

pytestmark = pytest.mark.django_db

FAR_FUTURE = datetime(2100, 1, 1)  # huey's schedule is naive UTC


@pytest.fixture
def server(settings):
    settings.OPEN311_MEDIA_FETCH_ALLOW_PRIVATE = True  # the photo host is on 127.0.0.1
    with PhotoServer() as running:
        yield running


@pytest.fixture
def immediate():
    """huey runs tasks in this thread, its schedule (retries) in memory, for the whole test."""
    with huey_immediate():
        yield HUEY


@pytest.fixture
def send(post, immediate, django_capture_on_commit_callbacks):
    """``send(url)``: POST with media_url; the after-commit work runs at once (huey immediate)."""

    def run(url: str, **form):
        with django_capture_on_commit_callbacks(execute=True):
            response = post(media_url=url, **form)
        assert response.status_code == 200, response.content
        return response

    return run


def gps_png() -> bytes:
    data = image_bytes("PNG", gps=True)
    assert Image.open(io.BytesIO(data)).getexif(), "the test photo carries EXIF"
    return data


def case_of(response) -> Case:
    return Case.objects.get(number=response.json()[0]["service_request_id"])


def submission_of(case: Case) -> Submission:
    return Submission.objects.get(report__case=case)


def notes(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(action=CaseAction.NOTE).order_by("pk"))


def actions(case: Case) -> list[str]:
    return list(case.events.order_by("pk").values_list("action", flat=True))


def media_url(http, case: Case) -> str | None:
    return http.get(f"{BASE}/requests/{case.number}.json").json()[0]["media_url"]


def run_retries() -> int:
    """What the consumer does when the retry delays run out: run every scheduled task."""
    ran = 0
    while due := HUEY.read_schedule(FAR_FUTURE):
        for task in due:
            HUEY.execute(task, FAR_FUTURE)  # "now" is past its eta
            ran += 1
        assert ran < 10, "retries without end"
    return ran


# --- the photo arrives -----------------------------------------------------------------------


def test_the_photo_becomes_a_before_photo_through_the_upload_checks(server, send):
    # Labelled JPEG but a PNG with EXIF GPS: stored by its content, without the metadata.
    url = server.route("/pics/hole.png", body=gps_png(), headers={"Content-Type": "image/jpeg"})
    response = send(url)
    case = case_of(response)
    evidence = Evidence.objects.get(case=case)
    assert evidence.kind == "before" and evidence.content_type == "image/png"
    assert evidence.original_name == "hole.png" and evidence.uploaded_by is None
    report = IntakeReport.objects.get(case=case)
    assert evidence.taken_at == report.received_at == T0
    stored = Image.open(evidence.file)
    assert stored.format == "PNG" and not stored.getexif() and not stored.info.get("exif")
    submission = submission_of(case)
    assert submission.media_status == MediaStatus.STORED
    assert submission.media_evidence == evidence and submission.media_attempts == 1
    assert submission.media_url == url  # the link is kept
    (note,) = notes(case)
    assert note.data["photos"] == [evidence.pk] and note.actor is None
    assert "was fetched and attached as a before-photo" in note.note
    assert actions(case) == [CaseAction.REPORT, CaseAction.NOTE]
    assert case.status == CaseStatus.VERIFYING  # as the POST left it (Open311 is verified 核实)
    assert server.paths() == ["/pics/hole.png"]


def test_get_requests_answers_with_the_stored_copy_once_fetched(
    server, post, http, django_capture_on_commit_callbacks
):
    url = server.route("/hole.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    with django_capture_on_commit_callbacks() as callbacks:
        case = case_of(post(media_url=url))
    assert media_url(http, case) == url  # not fetched yet: the link as it came
    with huey_immediate():
        for callback in callbacks:
            callback()
    evidence = Evidence.objects.get(case=case)
    signed = media_url(http, case)
    assert signed.startswith(f"http://testserver{evidence.file.url}?expires=")
    photo = http.get(signed.removeprefix("http://testserver"))  # no login, no key
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == evidence.file.read()


def test_a_second_run_attaches_nothing_more(server, send):
    url = server.route("/hole.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    case = case_of(send(url))
    outcome = media.fetch_submission_media(submission_of(case).pk)
    assert outcome.status == MediaStatus.STORED
    assert Evidence.objects.filter(case=case).count() == 1 and len(notes(case)) == 1
    assert len(server.hits) == 1


# --- the POST does not wait ------------------------------------------------------------------


@pytest.fixture
def queue():
    """huey's real (not immediate) path with an in-memory queue."""
    original = HUEY.storage
    HUEY.storage = MemoryStorage(HUEY.name)
    try:
        yield HUEY
    finally:
        HUEY.storage = original


def test_the_post_answers_first_and_queues_the_fetch_after_commit(
    server, post, queue, django_capture_on_commit_callbacks
):
    url = server.route(
        "/slow.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"}, delay=2
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(media_url=url)
    assert response.status_code == 200
    data = response.json()
    validate("request-created.json", data)
    assert list(data[0]) == ["service_request_id", "service_notice", "account_id"]
    case = case_of(response)
    assert submission_of(case).media_status == MediaStatus.PENDING
    assert server.hits == [] and queue.pending_count() == 0  # nothing during the request
    for callback in callbacks:  # the commit
        callback()
    assert queue.pending_count() == 1 and server.hits == []  # queued, not run
    task = queue.dequeue()
    with huey_immediate():  # the worker
        queue.execute(task)
    assert Evidence.objects.filter(case=case, kind="before").count() == 1
    assert server.paths() == ["/slow.jpg"]


def test_a_post_without_media_url_queues_nothing(post, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        case = case_of(post())
    # Only the case-move hooks of the report (evaluation's post facts): no media fetch.
    assert [c for c in callbacks if c.__qualname__ != "emit.<locals>.run"] == []
    assert submission_of(case).media_status == MediaStatus.NONE


# --- refusals: recorded, never retried -------------------------------------------------------


def refused_on_the_trail(case: Case, *, containing: str) -> CaseEvent:
    case.refresh_from_db()
    submission = submission_of(case)
    assert submission.media_status == MediaStatus.REFUSED
    assert containing in submission.media_reason
    assert not Evidence.objects.filter(case=case).exists()
    (note,) = notes(case)
    assert containing in note.note and submission.media_url in note.note
    assert "The link stays on the request." in note.note
    assert actions(case) == [CaseAction.REPORT, CaseAction.NOTE]  # nothing else moved
    assert case.status == CaseStatus.VERIFYING
    assert HUEY.scheduled() == []  # no retry
    return note


def test_not_found_is_recorded_and_the_link_kept(server, send, http):
    url = server.url("/deleted.jpg")
    case = case_of(send(url))
    refused_on_the_trail(case, containing="HTTP 404")
    assert server.paths() == ["/deleted.jpg"]
    assert media_url(http, case) == url


def test_a_web_page_is_refused(server, send):
    url = server.route("/login", body=b"<html>log in</html>", headers={"Content-Type": "text/html"})
    refused_on_the_trail(case_of(send(url)), containing="text/html, not a photo")


def test_a_gif_is_refused_by_the_photo_type_check(server, send):
    url = server.route("/a.gif", body=image_bytes("GIF"), headers={"Content-Type": "image/gif"})
    refused_on_the_trail(case_of(send(url)), containing="a.gif is not a JPEG, PNG or WebP photo")


def test_bytes_that_are_no_image_are_refused(server, send):
    url = server.route("/a.jpg", body=b"GIF? no: " * 50, headers={"Content-Type": "image/jpeg"})
    refused_on_the_trail(case_of(send(url)), containing="is not a JPEG, PNG or WebP photo")


def test_the_pixel_limit_applies(server, send, settings):
    settings.EVIDENCE_MAX_PIXELS = 1000  # the 64 x 48 test photo has 3072
    url = server.route("/a.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    refused_on_the_trail(case_of(send(url)), containing="64 x 48 pixels")


def test_an_oversize_body_is_cut_off_while_streaming(server, send, settings):
    settings.EVIDENCE_MAX_BYTES = 50_000
    total = 20 * 1024 * 1024
    url = server.route(
        "/huge.jpg",
        headers={"Content-Type": "image/jpeg"},
        stream=lambda: iter([b"\xff" * 65536] * (total // 65536)),
    )
    refused_on_the_trail(case_of(send(url)), containing="larger than the limit")
    record = server.streams["/huge.jpg"]
    assert record.done.wait(10) and record.hung_up and not record.finished


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.20.30.40", "169.254.169.254"], ids=["loopback", "10.x", "metadata"]
)
def test_private_addresses_are_refused_when_not_allowed(server, send, settings, host):
    settings.OPEN311_MEDIA_FETCH_ALLOW_PRIVATE = False  # the default
    server.route("/a.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    case = case_of(send(server.url("/a.jpg", host=host)))
    refused_on_the_trail(case, containing="only public internet addresses are fetched")
    assert server.hits == []


def test_a_case_closed_before_the_photo_arrives_keeps_its_trail(
    server, post, staff, django_capture_on_commit_callbacks
):
    url = server.route("/a.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    with django_capture_on_commit_callbacks() as callbacks:
        case = case_of(post(media_url=url))
    case_services.case_void(case=case, actor=staff["shift_leader"], reason="Not ours")
    with huey_immediate():
        for callback in callbacks:
            callback()
    submission = submission_of(case)
    assert submission.media_status == MediaStatus.REFUSED
    assert "closed before the photo arrived" in submission.media_reason
    assert server.hits == [] and not Evidence.objects.filter(case=case).exists()
    assert notes(case) == []


# --- transient trouble: retried, then recorded -----------------------------------------------


def test_server_trouble_is_retried_and_a_later_success_attaches(server, send):
    url = server.route("/a.jpg", status=503, body=b"busy")
    case = case_of(send(url))
    submission = submission_of(case)
    assert submission.media_status == MediaStatus.PENDING
    assert "HTTP 503" in submission.media_reason
    assert len(HUEY.scheduled()) == 1 and notes(case) == []
    server.route("/a.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    with huey_immediate():
        assert run_retries() == 1
    assert submission_of(case).media_status == MediaStatus.STORED
    assert Evidence.objects.filter(case=case).count() == 1
    assert server.paths() == ["/a.jpg", "/a.jpg"]


def test_server_trouble_that_lasts_is_recorded_after_the_retries(server, send):
    url = server.route("/a.jpg", status=503, body=b"busy")
    case = case_of(send(url))
    with huey_immediate():
        assert run_retries() == tasks.FETCH_RETRIES
    submission = submission_of(case)
    assert submission.media_status == MediaStatus.FAILED
    assert submission.media_attempts == tasks.FETCH_RETRIES + 1 == len(server.hits)
    (note,) = notes(case)  # one note, from the last attempt
    assert "HTTP 503" in note.note and "The link stays on the request." in note.note
    assert HUEY.scheduled() == []


# --- nothing is lost -------------------------------------------------------------------------


def test_a_queue_that_is_down_leaves_the_row_for_the_sweeper(
    server, post, monkeypatch, django_capture_on_commit_callbacks, time_machine
):
    def down(submission_id):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(tasks, "fetch_media", down)
    url = server.route("/a.jpg", body=image_bytes(), headers={"Content-Type": "image/jpeg"})
    with django_capture_on_commit_callbacks(execute=True):
        case = case_of(post(media_url=url))  # the POST still succeeds
    assert submission_of(case).media_status == MediaStatus.PENDING
    assert media.fetch_missing(now=T0 + timedelta(minutes=10)) == 0  # its task may still run
    assert server.hits == []
    time_machine.move_to(T0 + media.SWEEP_AFTER + timedelta(minutes=1), tick=False)
    with huey_immediate():
        tasks.fetch_missing_media()
    assert submission_of(case).media_status == MediaStatus.STORED
    assert Evidence.objects.filter(case=case).count() == 1
