"""Admin for routing config (edited through dispatch.services, so every change leaves a
RoutingHistory row) and read-only views of decisions, SLA states, flips and supervision records."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dispatch import services
from dispatch.models import (
    EscalationRule,
    JointScenario,
    LightFlip,
    RoutingDecision,
    RoutingHistory,
    RoutingRule,
    SlaState,
    Supervision,
)


class ConfigAdmin(admin.ModelAdmin):
    """Saves and deletes through dispatch.services (history row in the same transaction)."""

    m2m_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        m2m = {
            name: form.cleaned_data[name] for name in self.m2m_fields if name in form.cleaned_data
        }
        services.config_save(obj=obj, actor=request.user, m2m=m2m)

    def save_related(self, request, form, formsets, change):
        # The many-to-many fields were set (and recorded) by the service; inlines still save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.config_delete(obj=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.config_delete(obj=obj, actor=request.user)

    @admin.display(description=_("history"))
    def history_link(self, obj):
        url = reverse("admin:dispatch_routinghistory_changelist")
        return format_html(
            '<a href="{}?model={}&object_id={}">{}</a>',
            url,
            obj._meta.model_name,
            obj.pk,
            _("history"),
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(ConfigAdmin):
    list_display = (
        "area",
        "category_text",
        "department",
        "role",
        "priority",
        "valid_from",
        "valid_to",
        "is_active",
        "history_link",
    )
    list_filter = ("is_active", "role", "category_kind", "area__level")
    search_fields = ("area__name", "area__code", "department__name", "category__name", "note")
    autocomplete_fields = ("area", "department", "category")
    list_select_related = ("area", "department", "category")
    fieldsets = (
        (None, {"fields": ("area", "department", "role", "priority")}),
        (
            _("Category: one subclass, or kind + major code, or neither for any"),
            {"fields": ("category", "category_kind", "category_major")},
        ),
        (_("Validity"), {"fields": ("valid_from", "valid_to", "is_active", "note")}),
    )

    @admin.display(description=_("category"))
    def category_text(self, obj: RoutingRule) -> str:
        return obj.category_label()


class JointScenarioForm(forms.ModelForm):
    class Meta:
        model = JointScenario
        fields = (
            "name",
            "categories",
            "area",
            "lead_department",
            "co_departments",
            "priority",
            "valid_from",
            "valid_to",
            "is_active",
            "note",
        )

    def clean(self):
        data = super().clean()
        lead = data.get("lead_department")
        if lead is not None and lead in (data.get("co_departments") or []):
            self.add_error(
                "co_departments", _("The lead department cannot also be a co-department.")
            )
        return data


@admin.register(JointScenario)
class JointScenarioAdmin(ConfigAdmin):
    form = JointScenarioForm
    m2m_fields = ("categories", "co_departments")
    list_display = ("name", "area", "lead_department", "priority", "is_active", "history_link")
    list_filter = ("is_active",)
    search_fields = ("name", "note")
    autocomplete_fields = ("area", "lead_department")
    filter_horizontal = ("categories", "co_departments")


@admin.register(EscalationRule)
class EscalationRuleAdmin(ConfigAdmin):
    list_display = ("from_level", "after_hours", "after_percent", "is_active", "history_link")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RoutingHistory)
class RoutingHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "model", "object_id", "object_repr", "action", "actor")
    list_filter = ("model", "action")
    search_fields = ("object_repr",)
    date_hierarchy = "at"

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("actor")
        # The "history" links filter by object id, which list_filter does not offer.
        object_id = request.GET.get("object_id")
        if object_id and object_id.isdigit():
            qs = qs.filter(object_id=int(object_id))
        return qs

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup == "object_id" or super().lookup_allowed(lookup, value, request)


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ("case", "round", "source", "is_fallback", "lead", "decided_at")
    list_filter = ("source", "is_fallback")
    search_fields = ("case__number",)
    list_select_related = ("case", "lead")


@admin.register(SlaState)
class SlaStateAdmin(ReadOnlyAdmin):
    list_display = ("task", "light", "deadline_at", "next_check_at", "escalation_level")
    list_filter = ("light", "escalation_level")
    list_select_related = ("task",)


@admin.register(LightFlip)
class LightFlipAdmin(ReadOnlyAdmin):
    list_display = ("at", "case", "task", "from_light", "to_light", "share")
    list_filter = ("to_light",)
    search_fields = ("case__number",)
    list_select_related = ("case", "task")


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "case", "kind", "level", "to_department", "actor")
    list_filter = ("kind", "level")
    search_fields = ("case__number",)
    list_select_related = ("case", "to_department", "actor")
