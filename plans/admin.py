"""The planned-work admin: plans with their places. A plan's places are added in bulk (every unit
grid of an area, or every registered component of a 部件 category in an area), as a centre
sets up "sweep every grid of 鼓楼街道 twice a day"; single places are edited inline."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea, UnitGrid
from catalog.models import Category, CategoryKind
from plans.models import Plan, PlanItem, WorkOrder


class PlanForm(forms.ModelForm):
    grids_of = forms.ModelChoiceField(
        queryset=AdminArea.objects.order_by("path"),
        required=False,
        label=_("Add every unit grid of"),
        help_text=_("A district, street or community: all its unit grids become places."),
    )
    segments_of = forms.ModelChoiceField(
        queryset=AdminArea.objects.order_by("path"),
        required=False,
        label=_("Add every road segment (清扫路段) of"),
    )
    components_of = forms.ModelChoiceField(
        queryset=Category.objects.filter(kind=CategoryKind.COMPONENT, is_active=True).order_by(
            "code"
        ),
        required=False,
        label=_("Add every registered component of"),
    )
    components_in = forms.ModelChoiceField(
        queryset=AdminArea.objects.order_by("path"),
        required=False,
        label=_("… in the area"),
    )

    class Meta:
        model = Plan
        fields = (
            "name", "category", "checklist", "department", "frequency", "days", "times",
            "minutes_allowed", "needs_photo", "needs_position", "needs_checklist",
            "sample_share", "starts_on", "ends_on", "is_active",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        if bool(data.get("components_of")) != bool(data.get("components_in")):
            raise forms.ValidationError(
                _("Name both the component category and the area to add components.")
            )
        return data


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    raw_id_fields = ("grid", "component", "segment")
    fields = ("grid", "component", "segment")
    extra = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("grid", "component")


def add_places(
    plan: Plan, *, grids_of=None, components_of=None, components_in=None, segments_of=None
) -> int:
    """Add the grids of an area, the active road segments of an area, or the standing
    components of a category in an area, that are not places of the plan yet; returns how
    many were added."""
    from components.models import GONE, Component
    from iot.models import RoadSegment

    items = []
    if segments_of is not None:
        taken = set(plan.items.filter(segment__isnull=False).values_list("segment_id", flat=True))
        for segment in RoadSegment.objects.filter(
            area_path__startswith=segments_of.path, is_active=True
        ).order_by("code"):
            if segment.pk not in taken:
                items.append(PlanItem(plan=plan, segment=segment, area_path=segment.area_path))
    if grids_of is not None:
        taken = set(plan.items.filter(grid__isnull=False).values_list("grid_id", flat=True))
        for grid in UnitGrid.objects.filter(path__startswith=grids_of.path).order_by("code"):
            if grid.pk not in taken:
                items.append(PlanItem(plan=plan, grid=grid, area_path=grid.path))
    if components_of is not None and components_in is not None:
        taken = set(
            plan.items.filter(component__isnull=False).values_list("component_id", flat=True)
        )
        found = (
            Component.objects.filter(
                category=components_of, area_path__startswith=components_in.path
            )
            .exclude(state__in=GONE)
            .order_by("code")
        )
        for component in found:
            if component.pk not in taken:
                items.append(
                    PlanItem(plan=plan, component=component, area_path=component.area_path)
                )
    PlanItem.objects.bulk_create(items, batch_size=2000)
    return len(items)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = (
        "name",
        "department",
        "frequency",
        "places",
        "starts_on",
        "ends_on",
        "is_active",
    )
    list_filter = ("frequency", "is_active")
    search_fields = ("name", "department__name")
    inlines = [PlanItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(place_count=Count("items"))

    @admin.display(description=_("places"), ordering="place_count")
    def places(self, plan: Plan) -> int:
        return plan.place_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        added = add_places(
            form.instance,
            grids_of=form.cleaned_data.get("grids_of"),
            components_of=form.cleaned_data.get("components_of"),
            components_in=form.cleaned_data.get("components_in"),
            segments_of=form.cleaned_data.get("segments_of"),
        )
        if added:
            self.message_user(request, _("%(n)s places added to the plan.") % {"n": added})


@admin.register(PlanItem)
class PlanItemAdmin(admin.ModelAdmin):
    list_display = ("plan", "grid", "component")
    raw_id_fields = ("grid", "component", "segment")


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("plan", "item", "starts_at", "due_at", "status", "done_at", "inspection")
    list_filter = ("status", "inspection", "sampled")
    raw_id_fields = ("item", "plan", "done_by", "inspected_by", "rework_of")
