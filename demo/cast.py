"""Who plays each part when the demo moves a case: the demo city's staff, by role and place.

Read from the database (StaffProfile rows), not from the roster, so it works for whatever city
``seed_demo`` built. Where nobody fits (a department someone added without a disposer), the
administrator acts: administrators may make every move, and the audit trail says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from org.models import Role, StaffProfile

# Level of each code in an area path /city/district/street/community/grid/.
DISTRICT_LEVEL, STREET_LEVEL = 1, 2


def path_code(path: str, level: int) -> str | None:
    """The area code at ``level`` of ``/330200/330203/330203001/.../`` (None if too short)."""
    parts = [p for p in (path or "").split("/") if p]
    return parts[level] if len(parts) > level else None


@dataclass
class Cast:
    admin: object
    leader: object
    acceptor: object
    shift_leader: object
    dispatcher: object
    district_dispatchers: dict[str, object] = field(default_factory=dict)
    inspectors: dict[str, object] = field(default_factory=dict)  # street code -> inspector
    disposers: dict[int, object] = field(default_factory=dict)  # department id -> disposer

    @classmethod
    def load(cls) -> Cast:
        users = get_user_model().objects
        admin = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise LookupError("The demo needs an administrator: run `manage.py seed_demo` first.")
        city_wide: dict[str, object] = {}
        cast = cls(admin, admin, admin, admin, admin)
        profiles = (
            StaffProfile.objects.filter(user__is_active=True)
            .select_related("user")
            .prefetch_related("areas")
            .order_by("user__username")
        )
        for profile in profiles:
            areas = [a.code for a in profile.areas.all()]
            if profile.role == Role.DISPOSER and profile.department_id:
                cast.disposers.setdefault(profile.department_id, profile.user)
            elif profile.role == Role.INSPECTOR:
                for code in areas:
                    cast.inspectors.setdefault(code, profile.user)
            elif profile.role == Role.DISPATCHER:
                for code in areas:
                    if len(code) == 6 and code.endswith("00"):  # a city (GB/T 2260 xxxx00)
                        city_wide.setdefault(Role.DISPATCHER, profile.user)
                    else:
                        cast.district_dispatchers.setdefault(code, profile.user)
            elif profile.role in (Role.LEADER, Role.SHIFT_LEADER, Role.ACCEPTOR) and any(
                len(code) == 6 for code in areas
            ):
                city_wide.setdefault(profile.role, profile.user)
        cast.leader = city_wide.get(Role.LEADER, admin)
        cast.acceptor = city_wide.get(Role.ACCEPTOR, admin)
        cast.shift_leader = city_wide.get(Role.SHIFT_LEADER, admin)
        cast.dispatcher = city_wide.get(Role.DISPATCHER, admin)
        return cast

    def inspector_for(self, path: str):
        return self.inspectors.get(path_code(path, STREET_LEVEL) or "", self.admin)

    def dispatcher_for(self, path: str):
        return self.district_dispatchers.get(path_code(path, DISTRICT_LEVEL) or "", self.dispatcher)

    def disposer_for(self, department_id: int):
        return self.disposers.get(department_id, self.admin)
