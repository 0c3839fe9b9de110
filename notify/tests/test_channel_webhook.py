"""Webhook channel against a real local HTTP server: signed JSON POST, retry on 5xx/timeouts,
final on 4xx/redirects."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from notify import services
from notify.channels.webhook import DELIVERY_HEADER, verify_signature
from notify.models import MessageStatus

SECRET = "test-webhook-secret"


@dataclass
class Receiver:
    url: str
    requests: list = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that timed out leaves a broken pipe behind; that is the test's point


@pytest.fixture
def receiver(settings):
    """A local HTTP server recording every POST; answer with ``receiver.status``."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # self.headers matches names case-insensitively, as HTTP does (urllib sends X-Cityops-...)
            state.requests.append({"headers": self.headers, "body": body, "path": self.path})
            if state.delay:
                time.sleep(state.delay)
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no" if state.status >= 300 else b"ok")

        def log_message(self, *args):  # keep test output clean
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/cityops"
    settings.NOTIFY_WEBHOOK_URL = state.url
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    yield state
    server.shutdown()
    server.server_close()


def webhook(case=None, **kwargs):
    kwargs.setdefault("to", "")
    return services.enqueue(
        kind="webhook", subject="Case filed", body="立案 NB1", case=case, **kwargs
    )


def test_posts_signed_json_that_the_receiver_can_verify(
    receiver, flow, django_capture_on_commit_callbacks
):
    case = flow.reported()
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook(case=case, dedupe_key="k1")
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/cityops"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers[DELIVERY_HEADER] == str(message.pk)
    assert verify_signature(
        secret=SECRET,
        timestamp=headers[TIMESTAMP_HEADER],
        body=body,
        signature=headers[SIGNATURE_HEADER],
    )
    assert json.loads(body) == {
        "id": message.pk,
        "subject": "Case filed",
        "body": "立案 NB1",
        "case": case.number,
        "dedupe_key": "k1",
        "created_at": message.created_at.isoformat(),
    }
    message.refresh_from_db()
    assert (message.status, message.result) == (MessageStatus.SENT, "HTTP 200")


def test_a_forged_or_replayed_request_does_not_verify():
    body = b'{"id":1}'
    now = time.time()
    ts = str(int(now))
    good = sign(SECRET, ts, body)
    assert verify_signature(secret=SECRET, timestamp=ts, body=body, signature=good, now=now)
    assert not verify_signature(
        secret=SECRET, timestamp=ts, body=b'{"id":2}', signature=good, now=now
    )
    assert not verify_signature(secret="other", timestamp=ts, body=body, signature=good, now=now)
    assert not verify_signature(
        secret=SECRET, timestamp=ts, body=body, signature=good, now=now + 301
    )
    assert not verify_signature(secret=SECRET, timestamp="soon", body=body, signature=good)


@pytest.mark.django_db
def test_an_explicit_url_wins_over_the_setting(
    receiver, settings, django_capture_on_commit_callbacks
):
    explicit = receiver.url.replace("/hooks/cityops", "/other")
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/never"
    with django_capture_on_commit_callbacks(execute=True):
        webhook(to=explicit)
    assert [r["path"] for r in receiver.requests] == ["/other"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (503, MessageStatus.FAILED),
        (429, MessageStatus.FAILED),
        (400, MessageStatus.DEAD),
        (404, MessageStatus.DEAD),
        (302, MessageStatus.DEAD),  # redirects are not followed with our signed body
    ],
)
def test_server_answers_decide_retry_or_give_up(
    receiver, status, outcome, django_capture_on_commit_callbacks
):
    receiver.status = status
    receiver.headers = {"Location": receiver.url + "/moved"} if status == 302 else {}
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook()
    message.refresh_from_db()
    assert message.status == outcome
    assert f"HTTP {status}" in message.last_error
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_slow_receiver_times_out_and_is_retried(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 0.1
    receiver.delay = 0.5
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "timed out" in message.last_error


@pytest.mark.django_db
def test_nobody_listening_is_retried(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook(to="http://127.0.0.1:9/closed-port")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "unreachable" in message.last_error


@pytest.mark.django_db
def test_without_a_secret_nothing_unsigned_is_sent(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_SECRET = ""
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook()
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert "NOTIFY_WEBHOOK_SECRET" in message.last_error
    assert receiver.requests == []
