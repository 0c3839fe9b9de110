"""Reports entered by an operator at the desk: leader orders (领导交办), media exposure (媒体曝光)
and online sentiment (网络舆情). Entered through ``POST /api/v1/intake/reports`` or the page
``/intake/new/``.

Each source has its own defaults (rules as data, ``SOURCE_POLICY``): a leader's order is urgent
and trusted (no on-site 核实 before filing); a media report is urgent but is verified first; an
online post is normal and verified. The operator may set the priority explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.states import Priority, SourceChannel
from catalog.models import Category
from core.errors import PermissionDenied, ValidationFailed
from intake.channels.base import Channel
from org.models import Role


@dataclass(frozen=True)
class Policy:
    priority: str
    trusted: bool


SOURCE_POLICY: dict[str, Policy] = {
    SourceChannel.LEADER_ORDER: Policy(priority=Priority.URGENT, trusted=True),
    SourceChannel.MEDIA: Policy(priority=Priority.URGENT, trusted=False),
    SourceChannel.ONLINE_SENTIMENT: Policy(priority=Priority.NORMAL, trusted=False),
}
OPERATOR_SOURCES = tuple(SOURCE_POLICY)
# Desk roles (受理员, 值班长, 派遣员, 领导, 管理员): a leader enters their own orders too.
OPERATOR_ROLES = frozenset(
    {Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN}
)
ORIGIN_MAX = 200
LINK_MAX = 500


@dataclass(frozen=True)
class OperatorReport:
    """What the operator typed. ``origin``: who ordered it / which outlet or platform;
    ``link``: the article or post."""

    source: str
    description: str
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    area: str | None = None
    category: Category | None = None
    priority: str | None = None
    origin: str = ""
    link: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    external_id: str = ""
    photos: tuple = field(default=())
    due_at: datetime | None = None  # 交办时限: a leader order's "done by"


def check_operator(user) -> None:
    if permissions.role_of(user) not in OPERATOR_ROLES:
        raise PermissionDenied(
            _("Entering leader orders, media and online reports needs a desk role."),
            code="role_required",
        )


class OperatorChannel(Channel[OperatorReport]):
    """The source comes from the message, so ``source`` here is only the default."""

    source = SourceChannel.LEADER_ORDER

    def to_report(self, message: OperatorReport) -> dict:
        policy = SOURCE_POLICY.get(message.source)
        if policy is None:
            raise ValidationFailed(
                _("An operator enters %(choices)s; not %(source)r.")
                % {"choices": ", ".join(OPERATOR_SOURCES), "source": message.source},
                details={"field": "source"},
            )
        due_at = message.due_at
        if due_at is not None and timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)  # a time without a zone is the city's
        if message.link:
            try:
                URLValidator(schemes=["http", "https"])(message.link)
            except DjangoValidationError:
                raise ValidationFailed(
                    _("The link must be a web address (http:// or https://)."),
                    details={"field": "link"},
                ) from None
        if due_at is not None and message.source != SourceChannel.LEADER_ORDER:
            raise ValidationFailed(
                _("Only a leader order (领导交办) carries a time limit."),
                details={"field": "due_at"},
            )
        if due_at is not None and due_at <= timezone.now():
            raise ValidationFailed(
                _("The time asked for has passed: give a time in the future."),
                details={"field": "due_at"},
            )
        return {
            "source": message.source,
            "description": message.description,
            "lon": message.lon,
            "lat": message.lat,
            "crs": message.crs,
            "address": message.address,
            "area": message.area or None,
            "category": message.category,
            "priority": message.priority or policy.priority,
            "trusted": policy.trusted,
            "reporter_name": message.reporter_name,
            "reporter_phone": message.reporter_phone,
            "reporter_email": message.reporter_email,
            "external_id": message.external_id,
            "photos": message.photos,
            "data": {
                "origin": message.origin[:ORIGIN_MAX],
                "link": message.link[:LINK_MAX],
                "due_at": due_at.isoformat() if due_at else "",
            },
        }

    def receive(self, message: OperatorReport, *, actor=None, now=None):
        check_operator(actor)
        return super().receive(message, actor=actor, now=now)
