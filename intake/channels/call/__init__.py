"""A call taken at the 12345 / 110 desk (热线受理): the acceptor types while the caller talks.

The page ``/intake/call/`` asks for the caller, what and where (a place search over unit
grids, areas and addresses of earlier cases, or a pin on the map), suggests the category from
the words, and before saving lists the open cases near the pin, so the acceptor can tell the
caller "this is known already" (the same category within the duplicate window is attached to
that case on save, as on every channel).

Calls are normal priority and not trusted: an inspector verifies on site (核实) before filing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases import permissions
from cases.states import Priority, SourceChannel
from catalog.models import Category
from core.errors import PermissionDenied, ValidationFailed
from intake.channels.base import Channel
from org.models import Role

CALL_SOURCES = (SourceChannel.HOTLINE_12345, SourceChannel.HOTLINE_110)
# Who takes calls: the acceptors (受理员) and the shift leader (值班长) who stands in.
CALL_ROLES = frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN})


@dataclass(frozen=True)
class Call:
    source: str
    description: str
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    area: str | None = None
    category: Category | None = None
    priority: str | None = None


def check_call_taker(user) -> None:
    if permissions.role_of(user) not in CALL_ROLES:
        raise PermissionDenied(
            _("Taking hotline calls needs an acceptor or shift leader."), code="role_required"
        )


class CallChannel(Channel[Call]):
    source = SourceChannel.HOTLINE_12345

    def to_report(self, call: Call) -> dict:
        if call.source not in CALL_SOURCES:
            raise ValidationFailed(
                _("A call comes from 12345 or 110, not %(source)r.") % {"source": call.source},
                details={"field": "source"},
            )
        return {
            "source": call.source,
            "description": call.description,
            "lon": call.lon,
            "lat": call.lat,
            "address": call.address,
            "area": call.area or None,
            "category": call.category,
            "priority": call.priority or Priority.NORMAL,
            "trusted": False,
            "reporter_name": call.caller_name,
            "reporter_phone": call.caller_phone,
        }

    def receive(self, call: Call, *, actor=None, now=None):
        check_call_taker(actor)
        return super().receive(call, actor=actor, now=now)
