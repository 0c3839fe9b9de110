"""/media/: a case photo goes only to someone who may see the case (the case page's rule), or
to the holder of an unexpired signed link; everything else is a 404 that says nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cases import media
from cases.models import Evidence
from cases.tests.api_client import as_user, ok, with_token
from cases.tests.conftest import photo
from org.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(flow) -> Evidence:
    """A before-photo (PNG) on a case in grid Alpha-1, street Alpha, district East."""
    case = flow.reported(photos=[photo("hole.png", fmt="PNG")])
    return case.evidence.get()


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- staff: session ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(evidence):
    response = Client().get(evidence.file.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/media/evidence/")


def test_staff_in_scope_get_the_photo_and_its_thumbnail(evidence, staff):
    client = browser(staff["alpha_inspector"])
    full = client.get(evidence.file.url)
    assert full.status_code == 200
    assert body(full) == evidence.file.read()
    assert full["Content-Type"] == "image/png"  # the stored type, not a guess
    assert full["Cache-Control"].startswith("private")
    assert full["Content-Length"] == str(evidence.size)

    thumb = client.get(evidence.thumbnail.url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert body(thumb) == evidence.thumbnail.read()


@pytest.mark.parametrize("persona", ["west_dispatcher", "gamma_inspector", "beta_operator"])
def test_staff_out_of_scope_get_404(evidence, staff, persona):
    client = browser(staff[persona])
    assert client.get(evidence.file.url).status_code == 404
    assert client.get(evidence.thumbnail.url).status_code == 404


def test_disposers_see_the_photos_of_cases_their_department_works_on(flow, staff):
    case, _task = flow.disposed()
    after = case.evidence.get(kind="after")
    assert browser(staff["roads_disposer"]).get(after.file.url).status_code == 200
    # A street office whose area holds the case but which has no task on it: not theirs.
    assert browser(staff["alpha_disposer"]).get(after.file.url).status_code == 404


def test_the_case_page_links_work_for_its_viewer(evidence, staff):
    client = browser(staff["city_dispatcher"])
    page = client.get(f"/cases/{evidence.case.number}/").content.decode()
    links = [html.unescape(u) for u in re.findall(r'(?:href|src)="(/media/[^"]+)"', page)]
    assert set(links) == {evidence.file.url, evidence.thumbnail.url}
    for link in links:
        assert client.get(link).status_code == 200


def test_an_unchanged_photo_is_not_sent_again(evidence, staff):
    client = browser(staff["alpha_inspector"])
    first = client.get(evidence.file.url)
    again = client.get(evidence.file.url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert again.status_code == 304 and again["Cache-Control"].startswith("private")


def test_only_reads_are_answered(evidence, staff):
    assert browser(staff["admin"]).post(evidence.file.url).status_code == 405


# --- staff: API token ---------------------------------------------------------------------------


def test_an_api_token_opens_the_urls_the_api_gives(evidence, staff):
    _row, key = api_token_create(user=staff["alpha_inspector"], name="app")
    api = with_token(key)
    case = ok(api.get(f"/cases/{evidence.case.number}"))
    [item] = case["evidence"]
    for url in (item["url"], item["thumbnail_url"]):
        response = api.client.get(url, headers=api.headers)
        assert response.status_code == 200, url
    assert body(api.client.get(item["url"], headers=api.headers)) == evidence.file.read()


def test_the_token_may_come_as_x_api_key(evidence, staff):
    _row, key = api_token_create(user=staff["alpha_inspector"], name="app")
    assert Client().get(evidence.file.url, headers={"X-API-Key": key}).status_code == 200


def test_an_out_of_scope_token_gets_404(evidence, staff):
    _row, key = api_token_create(user=staff["west_dispatcher"], name="app")
    response = Client().get(evidence.file.url, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404


def test_an_unknown_token_is_401_with_a_message(evidence, staff):
    client = browser(staff["alpha_inspector"])  # a session does not rescue a bad token
    response = client.get(evidence.file.url, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized" and response.json()["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_api_session_user_gets_the_photo_too(evidence, staff):
    api = as_user(staff["city_dispatcher"])
    [item] = ok(api.get(f"/cases/{evidence.case.number}"))["evidence"]
    assert api.client.get(item["thumbnail_url"]).status_code == 200


# --- what is not a case photo -------------------------------------------------------------------


def test_an_unknown_file_is_404(evidence, staff):
    client = browser(staff["admin"])
    missing = evidence.file.name.replace(evidence.sha256[:12], "0" * 12)
    assert client.get(f"/media/{missing}").status_code == 404
    assert client.get("/media/evidence/").status_code == 404


def test_an_evidence_row_whose_file_is_gone_is_404(evidence, staff):
    evidence.file.storage.delete(evidence.file.name)
    assert browser(staff["admin"]).get(evidence.file.url).status_code == 404


def test_hotline_import_files_are_never_served(staff):
    upload = settings.MEDIA_ROOT / "imports" / "2026" / "11" / "calls.csv"
    upload.parent.mkdir(parents=True)
    upload.write_text("单号,来电号码\n1,13800000000\n")
    assert browser(staff["admin"]).get("/media/imports/2026/11/calls.csv").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/evidence/../../secret.txt",
        "/media/evidence/2026/11/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/media/..%2f..%2fsecret.txt",
        "/media//etc/passwd",
        "/media/evidence/2026/11/..\\..\\secret.txt",
    ],
)
def test_a_path_leaving_media_root_is_404(evidence, staff, path):
    (settings.MEDIA_ROOT.parent / "secret.txt").write_text("not a photo")
    response = browser(staff["admin"]).get(path)
    assert response.status_code == 404


def test_a_symlink_out_of_media_root_is_404_even_for_an_administrator(evidence, staff):
    outside = settings.MEDIA_ROOT.parent / "outside.png"
    outside.write_bytes(evidence.file.read())
    stored = settings.MEDIA_ROOT / evidence.file.name
    stored.unlink()
    stored.symlink_to(outside)
    assert browser(staff["admin"]).get(evidence.file.url).status_code == 404


def test_the_name_check_refuses_escapes():
    assert media._clean_name("evidence/2026/11/a.jpg") == "evidence/2026/11/a.jpg"
    for bad in ("../a.jpg", "evidence/./a.jpg", "/etc/passwd", "a//b.jpg", "a/", "a\x00.jpg"):
        assert media._clean_name(bad) is None, bad


# --- signed links ------------------------------------------------------------------------------


def test_a_signed_link_opens_that_photo_without_logging_in(evidence):
    url = media.signed_url(evidence.file, seconds=600)
    response = Client().get(url)
    assert response.status_code == 200 and body(response) == evidence.file.read()
    assert response["Cache-Control"].startswith("private")


def test_a_signed_link_opens_nothing_else(evidence):
    url = media.signed_url(evidence.thumbnail, seconds=600)
    query = url.split("?", 1)[1]
    assert Client().get(f"{evidence.file.url}?{query}").status_code == 404


def test_a_tampered_signature_is_404(evidence):
    url = media.signed_url(evidence.file, seconds=600)
    path, query = url.split("?", 1)
    expires = int(re.search(r"expires=(\d+)", query)[1])
    longer = query.replace(f"expires={expires}", f"expires={expires + 86400}")
    assert Client().get(f"{path}?{longer}").status_code == 404
    assert Client().get(f"{path}?expires={expires}&sig=forged").status_code == 404
    assert Client().get(f"{path}?expires=soon&sig=forged").status_code == 404


def test_an_expired_signature_is_403_with_a_message(evidence, staff, time_machine):
    url = media.signed_url(evidence.file, seconds=600)
    time_machine.move_to(timezone.now() + timedelta(minutes=25))
    response = Client().get(url)
    assert response.status_code == 403
    assert response.content.decode() == expired_message()  # /media/ speaks the site language
    # Staff who may see the case still get it through their session.
    assert browser(staff["alpha_inspector"]).get(url).status_code == 200
    assert browser(staff["west_dispatcher"]).get(url).status_code == 404


def test_a_signed_link_lives_at_least_as_long_as_asked(evidence, time_machine):
    url = media.signed_url(evidence.file, seconds=600)
    time_machine.move_to(timezone.now() + timedelta(seconds=590))
    assert Client().get(url).status_code == 200


def test_signed_links_made_within_one_step_are_the_same(evidence, time_machine):
    time_machine.move_to(timezone.now().replace(minute=0, second=1), tick=False)
    first = media.signed_url(evidence.file, seconds=3600)
    time_machine.shift(timedelta(minutes=5))
    assert media.signed_url(evidence.file, seconds=3600) == first  # the browser cache holds


def expired_message() -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(
            "This photo link has expired. Reload the page it came from to get a new one."
        )
