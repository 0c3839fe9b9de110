"""open311.fetch: the photo behind a media_url is fetched from public addresses only, connected
to the very address that was checked, within a time and a size limit; every failure says why
and whether trying again may help."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time

import pytest

from cases.factories import image_bytes
from open311 import fetch
from open311.tests.photo_server import PhotoServer

LIMIT = 100_000  # bytes; small so the size tests stay fast


@pytest.fixture
def server():
    with PhotoServer() as running:
        yield running


@pytest.fixture
def connects(monkeypatch) -> list[tuple[str, int]]:
    """Every (address, port) the fetcher connects to, in order."""
    seen: list[tuple[str, int]] = []
    real = fetch._connect

    def spy(address, port, timeout):
        seen.append((address, port))
        return real(address, port, timeout)

    monkeypatch.setattr(fetch, "_connect", spy)
    return seen


def resolve_to(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Make ``socket.getaddrinfo`` answer ``answers`` for those names; returns the names asked."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        asked.append(host)
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port, 0, 0) if ":" in a else (a, port),
                )
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def refused(url: str, *, allow: bool = True, max_bytes: int = LIMIT) -> fetch.FetchError:
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch(url, max_bytes=max_bytes, allow=allow)
    return caught.value


# --- the address check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.5", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT: not private to Python, not global either
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),  # "global" to Python 3.11
        ("ff02::1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: neither loopback nor private to 3.11
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1: "global" to Python 3.11
    ],
)
def test_non_public_addresses_are_named(address, kind):
    assert fetch.refused_kind(address) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07::1"])
def test_public_addresses_pass(address):
    assert fetch.refused_kind(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/a.jpg",
        "http://10.0.0.7/a.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/a.jpg",
        "http://2130706433:{port}/a.jpg",  # 127.0.0.1 as one number: judged once resolved
    ],
)
def test_private_addresses_are_refused_without_connecting(server, connects, url):
    error = refused(url.format(port=server.port), allow=False)
    assert not error.transient
    assert "only public internet addresses are fetched" in error.reason
    assert connects == [] and server.hits == []


def test_a_name_resolving_to_loopback_is_refused_without_connecting(server, connects, monkeypatch):
    resolve_to(monkeypatch, {"photos.example.com": ["127.0.0.1"]})
    error = refused(server.url("/a.jpg", host="photos.example.com"), allow=False)
    assert "photos.example.com resolves to 127.0.0.1, a loopback address" in error.reason
    assert not error.transient
    assert connects == [] and server.hits == []


def test_one_private_answer_among_public_ones_refuses_the_name(connects, monkeypatch):
    resolve_to(monkeypatch, {"photos.example.com": ["93.184.215.14", "10.0.0.8"]})
    error = refused("http://photos.example.com/a.jpg", allow=False)
    assert "10.0.0.8, a private address" in error.reason
    assert connects == []


def test_the_connection_goes_to_the_checked_address_resolved_once(monkeypatch):
    """DNS rebinding: a second lookup could answer 127.0.0.1; there is no second lookup."""
    asked = resolve_to(monkeypatch, {"photos.example.com": ["93.184.215.14"]})
    tried: list[tuple[str, int]] = []

    def connect(address, port, timeout):
        tried.append((address, port))
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(fetch, "_connect", connect)
    error = refused("http://photos.example.com/a.jpg", allow=False)
    assert error.transient and "could not connect to photos.example.com" in error.reason
    assert tried == [("93.184.215.14", 80)]
    assert asked == ["photos.example.com"]


def test_the_host_header_names_the_host_not_the_address(server, monkeypatch):
    resolve_to(monkeypatch, {"photos.example.com": ["127.0.0.1"]})
    server.route("/a.png", body=image_bytes("PNG"), headers={"Content-Type": "image/png"})
    fetch.fetch(server.url("/a.png", host="photos.example.com"), max_bytes=LIMIT, allow=True)
    assert server.hits == [("/a.png", f"photos.example.com:{server.port}")]


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "file:///etc/passwd"])
def test_only_http_and_https(url, connects):
    error = refused(url, allow=True)
    assert "only http and https are fetched" in error.reason and not error.transient
    assert connects == []


# --- answers ---------------------------------------------------------------------------------


def test_a_photo_is_fetched_with_its_name(server):
    png = image_bytes("PNG")
    url = server.route("/pics/hole%201.png", body=png, headers={"Content-Type": "image/png"})
    got = fetch.fetch(url, max_bytes=LIMIT, allow=True)
    assert (got.data, got.name, got.url) == (png, "hole 1.png", url)


def test_the_name_is_only_the_last_segment(server):
    url = server.route("/x/..%2F..%2Fetc%2Fpasswd%0A.png", body=b"x")
    assert fetch.fetch(url, max_bytes=LIMIT, allow=True).name == "....etcpasswd.png"


def test_an_untyped_answer_is_fetched_for_the_content_check(server):
    url = server.route(
        "/a", body=b"\x89PNG...", headers={"Content-Type": "application/octet-stream"}
    )
    assert fetch.fetch(url, max_bytes=LIMIT, allow=True).data == b"\x89PNG..."


def test_not_found_is_permanent(server):
    error = refused(server.url("/gone.jpg"))
    assert not error.transient and "HTTP 404" in error.reason


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_trouble_is_transient(server, status):
    error = refused(server.route("/busy.jpg", status=status, body=b"later"))
    assert error.transient and f"HTTP {status}" in error.reason


def test_a_web_page_is_refused_unread(server):
    page = server.route(
        "/login",
        headers={"Content-Type": "text/html; charset=utf-8"},
        stream=lambda: iter([b"<html>" * 1000] * 1000),
    )
    error = refused(page)
    assert "text/html, not a photo" in error.reason and not error.transient
    server.streams["/login"].done.wait(5)
    assert not server.streams["/login"].finished


def test_a_declared_size_over_the_limit_is_refused_before_the_body(server):
    url = server.route(
        "/big.jpg",
        headers={"Content-Type": "image/jpeg", "Content-Length": str(LIMIT + 1)},
        stream=lambda: iter([b"x" * (LIMIT + 1)]),
        delay=10,  # the body would come late: the refusal must not wait for it
    )
    started = time.monotonic()
    error = refused(url)
    assert "larger than the limit" in error.reason and not error.transient
    assert time.monotonic() - started < 5  # far less than the body's 10 s (a loaded CI)


def test_an_undeclared_oversize_body_is_cut_off_while_streaming(server):
    chunk = b"\xff" * 65536
    total = 50 * 1024 * 1024
    url = server.route(
        "/endless.jpg",
        headers={"Content-Type": "image/jpeg"},  # no Content-Length: read until the end
        stream=lambda: iter([chunk] * (total // len(chunk))),
    )
    error = refused(url)
    assert "larger than the limit of 0.1 MB" in error.reason and not error.transient
    record = server.streams["/endless.jpg"]
    assert record.done.wait(10)
    assert record.hung_up and not record.finished
    assert record.sent < total // 4  # stopped early (what remains sat in socket buffers)


def test_a_body_cut_short_is_transient(server):
    url = server.route(
        "/half.jpg",
        headers={"Content-Type": "image/jpeg", "Content-Length": "1000"},
        stream=lambda: iter([b"x" * 10]),
    )
    error = refused(url)
    assert error.transient and "990 bytes before the end" in error.reason


def test_a_slow_server_runs_out_of_time(server, monkeypatch):
    monkeypatch.setattr(fetch, "TOTAL_SECONDS", 1)
    url = server.route(
        "/drip.jpg",
        headers={"Content-Type": "image/jpeg"},
        stream=lambda: (time.sleep(0.3) or b"x" for _ in range(100)),  # a byte every 0.3 s
    )
    started = time.monotonic()
    error = refused(url)
    assert time.monotonic() - started < 10  # the drip would take 30 s
    assert error.transient and "within 1 seconds" in error.reason


# --- redirects -------------------------------------------------------------------------------


def test_a_redirect_is_followed_and_checked_again(server):
    png = image_bytes("PNG")
    final = server.route("/photo.png", body=png, headers={"Content-Type": "image/png"})
    start = server.route("/p/1", status=302, headers={"Location": "/photo.png"})
    got = fetch.fetch(start, max_bytes=LIMIT, allow=True)
    assert (got.data, got.url, got.name) == (png, final, "photo.png")
    assert server.paths() == ["/p/1", "/photo.png"]


def test_a_redirect_to_a_private_address_is_refused_without_connecting(
    server, connects, monkeypatch
):
    # The test server's own address counts as public here; the redirect target does not.
    real = fetch.refused_kind
    monkeypatch.setattr(fetch, "refused_kind", lambda a: None if a == "127.0.0.1" else real(a))
    start = server.route(
        "/p/1", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    error = refused(start, allow=False)
    assert "169.254.169.254, a link-local address" in error.reason and not error.transient
    assert connects == [("127.0.0.1", server.port)]


def test_redirects_to_another_scheme_are_refused(server):
    start = server.route("/p/1", status=302, headers={"Location": "file:///etc/passwd"})
    error = refused(start)
    assert "only http and https are fetched" in error.reason


def test_a_redirect_loop_ends(server):
    server.route("/a", status=302, headers={"Location": "/b"})
    server.route("/b", status=302, headers={"Location": "/a"})
    error = refused(server.url("/a"))
    assert f"more than {fetch.MAX_REDIRECTS} redirects" in error.reason
    assert len(server.hits) == fetch.MAX_REDIRECTS + 1


# --- https -----------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (openssl is on every Debian the CI uses)."""
    if shutil.which("openssl") is None:  # pragma: no cover - the environment, not the code
        pytest.fail("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with PhotoServer(tls=context) as running:
        yield running


def test_https_checks_the_certificate(tls_server):
    error = refused(tls_server.route("/a.png", body=b"x"))
    assert "certificate is not valid" in error.reason and not error.transient


def test_https_to_the_pinned_address_with_a_trusted_certificate(
    tls_server, certificate, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate
    png = image_bytes("PNG")
    url = tls_server.route("/a.png", body=png, headers={"Content-Type": "image/png"})
    assert fetch.fetch(url, max_bytes=LIMIT, allow=True).data == png
