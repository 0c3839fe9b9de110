"""Admin: portal reports and ratings are read-only (written by portal.services only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.models import CitizenReport, Satisfaction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CitizenReport)
class CitizenReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case_number", "outcome", "phone")
    search_fields = ("intake_report__case__number", "phone")
    date_hierarchy = "created_at"
    list_select_related = ("intake_report__case",)
    # The token opens the citizen's page; the admin shows who sent what, not the key.
    exclude = ("token",)

    @admin.display(description=_("case"), ordering="intake_report__case__number")
    def case_number(self, obj: CitizenReport) -> str:
        case = obj.intake_report.case
        return case.number if case else "-"

    @admin.display(description=_("outcome"))
    def outcome(self, obj: CitizenReport) -> str:
        return obj.intake_report.get_outcome_display()


@admin.register(Satisfaction)
class SatisfactionAdmin(ReadOnlyAdmin):
    list_display = (
        "submitted_at",
        "case",
        "rating",
        "channel",
        "category",
        "lead_department",
        "closed_at",
    )
    list_filter = ("rating", "channel")
    search_fields = ("case__number", "comment")
    date_hierarchy = "submitted_at"
    list_select_related = ("case", "category", "lead_department")
    raw_id_fields = ("case", "report", "category", "lead_department")
