"""/api/v1/me: who the caller is and what they may see."""

from __future__ import annotations

from ninja import Router, Schema

from org.selectors import staff_profile, visible_area_paths

router = Router(tags=["org"])


class MeOut(Schema):
    username: str
    role: str | None
    department: str | None
    scope_paths: list[str] | None


@router.get("/me", response=MeOut, summary="The authenticated user, role and area scope")
def me(request):
    profile = staff_profile(request.user)
    return {
        "username": request.user.get_username(),
        "role": profile.role if profile else None,
        "department": profile.department.name if profile and profile.department else None,
        "scope_paths": visible_area_paths(request.user),
    }
