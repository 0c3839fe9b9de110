"""A real HTTP server on 127.0.0.1 (a free port) standing in for an Open311 client's photo host.

Each path answers what a test routes to it; every request is recorded (path and Host header),
so a test can tell that nothing connected at all. Streams record how much of their body went
out before the fetcher hung up.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Instead of ``body``: chunks written one by one (no Content-Length unless given).
    stream: Callable[[], Iterator[bytes]] | None = None
    delay: float = 0.0  # seconds to wait after the headers, before the body


@dataclass
class Stream:
    """What a streamed answer managed to send before the other side hung up."""

    sent: int = 0
    finished: bool = False
    hung_up: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class PhotoServer:
    def __init__(self, *, tls: ssl.SSLContext | None = None):
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        self.streams: dict[str, Stream] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                server.hits.append((self.path, self.headers.get("Host", "")))
                route = server.routes.get(self.path, Route(status=404, body=b"not here"))
                if route.stream is not None:
                    # Before the headers: a test may look the record up as soon as the fetcher
                    # has them (and hung up), before this thread reaches the body.
                    record = server.streams.setdefault(self.path, Stream())
                self.send_response(route.status)
                headers = dict(route.headers)
                if route.stream is None:
                    headers.setdefault("Content-Length", str(len(route.body)))
                headers.setdefault("Connection", "close")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.flush()
                if route.delay:
                    time.sleep(route.delay)
                if route.stream is None:
                    self.wfile.write(route.body)
                    return
                try:
                    for chunk in route.stream():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        record.sent += len(chunk)
                    record.finished = True
                except OSError:  # broken pipe / reset: the fetcher stopped reading
                    record.hung_up = True
                finally:
                    record.done.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> PhotoServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def route(self, path: str, **kwargs) -> str:
        self.routes[path] = Route(**kwargs)
        return self.url(path)

    def paths(self) -> list[str]:
        return [path for path, _host in self.hits]
