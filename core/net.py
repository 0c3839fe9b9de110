"""Who is asking: the client's address, also behind the site's own reverse proxy."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def address_scope(address: str) -> str:
    """What per-address limits count by: the address itself, or for IPv6 its /64 network (one
    subscriber holds a whole /64 and could otherwise rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.5 is that IPv4 address
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def client_address(request: HttpRequest) -> str:
    """The client's IP address, for per-address limits (限流).

    REMOTE_ADDR, unless BEHIND_PROXY: then every visitor arrives from the proxy, and the address
    is the one the proxy appended to X-Forwarded-For (``PROXY_HOPS`` from the right: one proxy,
    the last entry). Entries further left were written by the client and are never trusted. A
    header that is missing or not an address falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < settings.PROXY_HOPS:
        return remote
    candidate = hops[-settings.PROXY_HOPS]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
