"""Admin for departments, staff profiles and API tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from org.models import ApiToken, Department, StaffProfile
from org.services import api_token_create


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "level",
        "type",
        "area",
        "contact_name",
        "contact_phone",
        "is_active",
    )
    list_filter = ("level", "type", "is_active", "area__level")
    search_fields = ("code", "name", "short_name", "contact_name", "contact_phone")
    autocomplete_fields = ("parent", "area")
    list_select_related = ("area",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "department", "phone")
    list_filter = ("role", "department__level", "department")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "phone",
        "department__name",
    )
    autocomplete_fields = ("user", "department", "areas")
    list_select_related = ("user", "department")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ("department", "areas")
    extra = 0


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (StaffProfileInline,)
    list_display = ("username", "first_name", "staff_role", "is_staff", "is_active")
    list_filter = ("staff_profile__role", "is_staff", "is_superuser", "is_active")

    @admin.display(description=_("role"), ordering="staff_profile__role")
    def staff_role(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.get_role_display() if profile else "—"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "is_active", "last_used_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "user__username", "prefix")
    autocomplete_fields = ("user",)
    readonly_fields = ("prefix", "last_used_at")
    fields = ("user", "name", "is_active", "prefix", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # The clear key is shown once; only its digest is stored.
        token, key = api_token_create(user=obj.user, name=obj.name)
        obj.pk = token.pk
        messages.warning(
            request,
            _("Token created. Copy it now, it will not be shown again: %(key)s") % {"key": key},
        )
