"""Fetching the photo behind an Open311 ``media_url`` (取回照片) without letting a client's link
reach inside our own network (SSRF, server-side request forgery).

A client chooses the link, and the fetch runs on our servers, which can reach addresses the
client cannot: the cloud metadata service (169.254.169.254), the database, Redis, the admin of
a router. So, for every hop (the link and each redirect):
1. only ``http`` and ``https``;
2. the host name is resolved here and *every* address it resolves to must be a public one
   (``refused_kind``): one private answer refuses the link, so a host cannot hide a private
   address behind a public one;
3. the connection goes to the address that was checked (not to the name again: a second DNS
   answer could swap in a private address, "DNS rebinding"), and the peer is checked again once
   connected; https still verifies the certificate against the host name;
4. at most ``MAX_REDIRECTS`` redirects, each checked as in 1-3;
5. ``CONNECT_TIMEOUT_SECONDS`` per connection attempt and ``TOTAL_SECONDS`` for the whole fetch,
   enforced by a watchdog that closes the socket (a server dripping one byte at a time cannot
   hold a worker);
6. at most ``max_bytes`` (EVIDENCE_MAX_BYTES): a larger Content-Length is refused before the
   body is read, and the body is read in chunks and dropped as soon as it passes the limit;
7. a Content-Type that is not an image (text/html: an error page) is refused unread.
Whether the bytes are a photo is decided afterwards by cases.evidence, as for an upload.
Environment proxies are not used (http.client, not urllib): the pinned address is the peer.

``allow=True`` (settings.OPEN311_MEDIA_FETCH_ALLOW_PRIVATE, read by open311.conf) switches
check 2 and the peer check off: for a test server on 127.0.0.1, or a city whose clients keep
their photos on its own intranet.

Each failure is a ``FetchError`` with a reason a person can read and ``transient``: True when
trying again later may help (timeouts, refused connections, HTTP 5xx/429), False when it cannot
(a private address, 404, not an image, too large).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from django.utils.translation import gettext as _

DEFAULT_PORTS = {"http": 80, "https": 443}
CONNECT_TIMEOUT_SECONDS = 5
TOTAL_SECONDS = 20  # the whole fetch, redirects included: one huey worker waits this at most
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses that say "not now" rather than "never" (RFC 9110 §15.5.9, §15.6; RFC 6585 §4).
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Some photo hosts label every file as bytes; the content check decides for those.
UNTYPED = frozenset({"application/octet-stream", "binary/octet-stream"})
USER_AGENT = "CityOps-Open311-media-fetch/1"
NAME_MAX = 200  # Evidence.original_name


class FetchError(Exception):
    """The photo could not be fetched; ``reason`` says why, ``transient`` whether to retry."""

    def __init__(self, reason: str, *, transient: bool):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Fetched:
    data: bytes
    url: str  # where the photo came from in the end (after redirects)
    name: str  # the last segment of its path, for the evidence's original name


def refused_kind(address: str) -> str | None:
    """Why ``address`` may not be fetched from (its kind, translated), or None if it is public.

    IPv6 forms that carry an IPv4 address (``::ffff:127.0.0.1``, 6to4 ``2002:7f00:1::``) are
    judged by that address too: Python 3.11 calls ``::ffff:127.0.0.1`` neither loopback nor
    private, and a 6to4 address of 127.0.0.1 "global".
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    candidates = []  # an embedded IPv4 address first: it names the kind best
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
        if ip.teredo:
            candidates.append(ip.teredo[1])
    candidates.append(ip)
    for candidate in candidates:
        # Named from the most to the least specific: 127.0.0.1 is also "private" to Python.
        if candidate.is_loopback:
            return _("loopback")
        if candidate.is_link_local:
            return _("link-local")
        if candidate.is_multicast:  # 224.0.0.0/4 counts as "global" in Python 3.11
            return _("multicast")
        if candidate.is_unspecified or candidate.is_reserved:
            return _("reserved")
        if candidate.is_private or not candidate.is_global:  # incl. 100.64.0.0/10 (CGNAT)
            return _("private")
    return None


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to, all of them public (else FetchError, permanent)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(
            _("the host name %(host)s could not be resolved (%(error)s)")
            % {"host": host, "error": exc},
            transient=True,  # DNS trouble is often passing; the retries are few
        ) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            kind = refused_kind(address)
            if kind is not None:
                raise FetchError(_refusal(host, address, kind), transient=False)
    return addresses


def _refusal(host: str, address: str, kind: str) -> str:
    return _(
        "%(host)s resolves to %(address)s, a %(kind)s address; only public internet "
        "addresses are fetched"
    ) % {"host": host, "address": address, "kind": kind}


class _Watchdog:
    """Closes the connection's socket when the fetch's time is up, whatever it is waiting for."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                _shutdown(self._sock)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:
        # Wakes a blocked recv in the fetching thread. The plain socket's method, also for TLS:
        # SSLSocket.shutdown would tear down its TLS state under the other thread's feet.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to one checked address; the Host header still names the host."""

    def __init__(self, host: str, port: int, *, sock: socket.socket):
        super().__init__(host, port)
        self.sock = sock

    def connect(self) -> None:  # pragma: no cover - the socket is given, never reconnected
        raise http.client.NotConnected("a pinned connection does not reconnect")


def _open(
    url: str, *, allow: bool, watchdog: _Watchdog
) -> tuple[_PinnedHTTP, http.client.HTTPResponse]:
    """Send the GET of one hop; every address check happens here. The caller closes both."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError(
            _("%(url)s is not an http(s) link; only http and https are fetched") % {"url": url},
            transient=False,
        )
    try:
        host, port = parts.hostname, parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:  # a port that is not a number or out of range
        raise FetchError(_("%(url)s has no usable port") % {"url": url}, transient=False) from exc
    if not host:
        raise FetchError(_("%(url)s names no host") % {"url": url}, transient=False)
    sock, last_error = None, None
    for address in checked_addresses(host, port, allow_private=allow):
        try:
            sock = _connect(address, port, min(CONNECT_TIMEOUT_SECONDS, max(watchdog.left(), 0.1)))
            break
        except OSError as exc:
            last_error = exc
    if sock is None:
        raise FetchError(
            _("could not connect to %(host)s (%(error)s)") % {"host": host, "error": last_error},
            transient=True,
        )
    watchdog.watch(sock)
    connection = None
    try:
        peer = sock.getpeername()[0]
        kind = None if allow else refused_kind(peer)
        if kind is not None:  # pragma: no cover - only if the socket layer connected elsewhere
            raise FetchError(_refusal(host, peer, kind), transient=False)
        if scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            watchdog.watch(sock)
        sock.settimeout(max(watchdog.left(), 0.1))
        connection = _PinnedHTTP(host, port, sock=sock)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(
            "GET",
            target,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "image/jpeg, image/png, image/webp",
                "Connection": "close",
            },
        )
        return connection, connection.getresponse()
    except BaseException:
        if connection is not None:
            connection.close()
        sock.close()
        raise


def _check_response(response: http.client.HTTPResponse, url: str, max_bytes: int) -> None:
    if response.status in TRANSIENT_STATUSES:
        raise FetchError(
            _("the server answered HTTP %(status)d; trying again later")
            % {"status": response.status},
            transient=True,
        )
    if response.status != 200:
        raise FetchError(
            _("the server answered HTTP %(status)d for %(url)s")
            % {"status": response.status, "url": url},
            transient=False,
        )
    content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if content_type and not content_type.startswith("image/") and content_type not in UNTYPED:
        raise FetchError(
            _("the server says the link is %(type)s, not a photo") % {"type": content_type},
            transient=False,
        )
    length = (response.getheader("Content-Length") or "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(_too_large(max_bytes), transient=False)


def _too_large(max_bytes: int) -> str:
    return _("the photo is larger than the limit of %(mb).1f MB") % {"mb": max_bytes / 1024 / 1024}


def _read(response: http.client.HTTPResponse, max_bytes: int, watchdog: _Watchdog) -> bytes:
    """The body, at most ``max_bytes``: reading stops as soon as it passes the limit."""
    chunks: list[bytes] = []
    total = 0
    while True:
        # read1: one receive at a time, so the limit is checked after every chunk.
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(_too_large(max_bytes), transient=False)
        chunks.append(chunk)
    if watchdog.fired:  # the watchdog's shutdown looks like an end of body
        raise _timed_out()
    if response.length:  # http.client's count of promised bytes still missing
        raise FetchError(
            _("the connection ended %(n)d bytes before the end of the photo")
            % {"n": response.length},
            transient=True,
        )
    return b"".join(chunks)


def _timed_out() -> FetchError:
    return FetchError(
        _("the server did not deliver the photo within %(s)d seconds") % {"s": TOTAL_SECONDS},
        transient=True,
    )


def _name(url: str) -> str:
    """The file name the link shows (for people only: stored names are made from the hash)."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return "".join(c for c in name if c.isprintable() and c not in "/\\")[:NAME_MAX]


def fetch(url: str, *, max_bytes: int, allow: bool) -> Fetched:
    """GET the photo at ``url`` (see the module docstring); raises FetchError.

    ``allow``: private addresses may be fetched from too (module docstring).
    """
    watchdog = _Watchdog(time.monotonic() + TOTAL_SECONDS)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            connection, response = _open(url, allow=allow, watchdog=watchdog)
            try:
                if response.status in REDIRECT_STATUSES:
                    location = (response.getheader("Location") or "").strip()
                    if not location:
                        raise FetchError(
                            _("the server answered HTTP %(status)d without a Location")
                            % {"status": response.status},
                            transient=False,
                        )
                    url = urljoin(url, location)
                    continue
                _check_response(response, url, max_bytes)
                return Fetched(data=_read(response, max_bytes, watchdog), url=url, name=_name(url))
            finally:
                response.close()
                connection.close()
        raise FetchError(
            _("more than %(n)d redirects") % {"n": MAX_REDIRECTS},
            transient=False,
        )
    except FetchError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise FetchError(
            _("the server's certificate is not valid (%(error)s)") % {"error": exc.verify_message},
            transient=False,
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired:
            raise _timed_out() from exc
        if isinstance(exc, TimeoutError):
            raise _timed_out() from exc
        raise FetchError(
            _("the connection failed (%(error)s)") % {"error": str(exc) or type(exc).__name__},
            transient=True,
        ) from exc
    finally:
        watchdog.cancel()
