"""Writes for the organisation app (keyword-only, explicit actor where it matters)."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from areas.models import AdminArea
from org.models import ApiToken, Department, Role, StaffProfile

TOKEN_BYTES = 32


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user, name: str, key: str | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns (row, clear key). The clear key is never stored.

    ``key`` may be given so the demo city can publish a known token (deterministic for a seed).
    """
    key = key or secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(user=user, name=name, digest=token_digest(key), prefix=key[:8])
    return token, key


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    department: Department | None = None,
    areas: list[AdminArea] | tuple[AdminArea, ...] = (),
    full_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
) -> StaffProfile:
    """Create a user with a staff profile. Administrators also get Django admin access."""
    user_model = get_user_model()
    user = user_model(username=username, first_name=full_name[:150])
    user.set_password(password)
    user.is_staff = role == Role.ADMIN or is_superuser
    user.is_superuser = is_superuser
    user.save()
    profile = StaffProfile.objects.create(user=user, role=role, department=department, phone=phone)
    if areas:
        profile.areas.set(areas)
    return profile
