"""Forms of the case pages: workbench filters and one form per move.

Forms only parse input; the rules (reason required, photo required, who may act) live in
cases.services, whose DomainError messages the views show. Fields a service insists on are
still marked required here so the browser asks before the round trip.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea, AreaLevel, UnitGrid
from cases.services._base import REASON_MAX
from cases.sla import Light
from cases.states import CaseAction, Priority, SourceChannel, VerifyFinding
from catalog.models import Category, FilingStandard
from core.widgets import QuickSelect, QuickSelectMultiple
from org.models import Department
from org.selectors import visible_areas

NOTE_MAX = 2000
SEARCH_MAX = 100
PHOTO_ACCEPT = "image/*"
MAX_PHOTOS = 6
# Areas offered in the workbench filter: the upper tiers (communities would be thousands).
FILTER_AREA_LEVELS = (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET)


class MultiplePhotoInput(forms.ClearableFileInput):
    """<input type=file multiple accept=image/* capture=environment>: the phone camera."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        base = {"accept": PHOTO_ACCEPT, "capture": "environment"}
        super().__init__({**base, **(attrs or {})})


class PhotosField(forms.FileField):
    """Zero or more photos (the service checks type, size and pixels)."""

    def __init__(self, *, required: bool = False, **kwargs):
        attrs = {"required": True} if required else {}
        kwargs.setdefault("widget", MultiplePhotoInput(attrs))
        kwargs.setdefault("label", _("Photos"))
        super().__init__(required=required, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(_("Take or choose at least one photo."))
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS})
        return [forms.FileField.clean(self, f, initial) for f in files]


def note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


def _enclosing_paths(case) -> list[str]:
    parts = [p for p in (case.area_path if case is not None else "").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def department_choices(qs: QuerySet[Department], case, *, empty_label) -> list:
    """Choices for a department picker, grouped: the departments whose area holds the case
    (its street office, its district's units, the city units; nearest first), then the
    others, so a dispatcher does not scroll through every district to find the right one."""
    here_paths = set(_enclosing_paths(case))
    rows = list(
        qs.select_related("area")
        .defer("area__boundary")
        .order_by(Length("area__path").desc(), "name")
    )
    here = [(d.pk, str(d)) for d in rows if d.area.path in here_paths]
    elsewhere = sorted(
        ((d.pk, str(d)) for d in rows if d.area.path not in here_paths), key=lambda c: c[1]
    )
    groups = [(_("For this place"), here)] if here else []
    if elsewhere:
        groups.append((_("Other areas"), elsewhere))
    return ([("", empty_label)] if empty_label is not None else []) + groups


class MoveForm(forms.Form):
    """Base of the move forms: ``case`` is known, fields come from the subclass."""

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)


class NoteForm(MoveForm):
    note = note_field()


class ReasonForm(MoveForm):
    reason = reason_field()


class VerifyForm(MoveForm):
    """核实 on site: what was found, a photo of it, and why when it is not 属实."""

    finding = forms.ChoiceField(
        label=_("Finding"),
        choices=VerifyFinding.choices,
        initial=VerifyFinding.CONFIRMED,
        widget=forms.RadioSelect,
    )
    photos = PhotosField(label=_("Photos on site"))
    note = forms.CharField(
        label=_("Note (the reason when not confirmed)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("finding") not in (None, VerifyFinding.CONFIRMED)
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Say what you found: a reason is needed."))
        return data


# Grids offered when a case is sent to be verified again: the nearest ones to its point.
REVERIFY_GRIDS = 12
_NEAR_DEGREES = 0.03  # about 3 km: a box to search before sorting by distance


def nearby_grids(case) -> list[UnitGrid]:
    """The case's grid first, then the active grids nearest its point (or of its street)."""
    qs = UnitGrid.objects.filter(is_active=True)
    if case.lon is not None and case.lat is not None:
        near = list(
            qs.filter(
                centroid_lon__range=(case.lon - _NEAR_DEGREES, case.lon + _NEAR_DEGREES),
                centroid_lat__range=(case.lat - _NEAR_DEGREES, case.lat + _NEAR_DEGREES),
            )
        )
        near.sort(key=lambda g: (g.centroid_lon - case.lon) ** 2 + (g.centroid_lat - case.lat) ** 2)
    else:
        street = "/".join(case.area_path.split("/")[:4]) + "/"
        near = list(qs.filter(path__startswith=street)[: REVERIFY_GRIDS * 2])
    grids = [g for g in near if g.pk != case.grid_id][: REVERIFY_GRIDS - 1]
    return ([case.grid] if case.grid_id else []) + grids


class ReverifyForm(MoveForm):
    """重新核实: the desk sends the case back on site, moved to the grid where it lies."""

    grid = forms.ModelChoiceField(
        label=_("Grid"), queryset=UnitGrid.objects.none(), required=False, empty_label=None
    )
    note = note_field()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is not None:
            grids = nearby_grids(case)
            field = self.fields["grid"]
            field.queryset = UnitGrid.objects.filter(pk__in=[g.pk for g in grids])
            field.choices = [(g.pk, f"{g.code} {g.name}".strip()) for g in grids]
            field.initial = case.grid_id


class FileCaseForm(MoveForm):
    """立案: pick a filing standard of the case's category (or change the category first)."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        help_text=_("Change it to list the filing standards of another category."),
        widget=QuickSelect,
    )
    standard = forms.ModelChoiceField(
        label=_("Filing standard (filing condition, time limit)"),
        queryset=FilingStandard.objects.filter(is_active=True).select_related("category"),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    note = note_field()

    def __init__(self, *args, case=None, category=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        chosen = category if category is not None else getattr(case, "category", None)
        if case is not None:
            self.fields["category"].initial = chosen
            self.fields["priority"].initial = case.priority
            # htmx: picking another category reloads the standard select (partial).
            self.fields["category"].widget.attrs.update(
                {
                    "hx-get": reverse("cases:standards", args=[case.number]),
                    "hx-target": f"#id_{CaseAction.FILE}_standard",
                    "hx-swap": "outerHTML",
                }
            )
        if not self.is_bound:
            # What the select offers; a bound form accepts any active standard (it sets the
            # category itself), the service refuses inactive ones with a clear message.
            self.fields["standard"].queryset = standards_of(chosen)


def standards_of(category: Category | None):
    qs = FilingStandard.objects.filter(is_active=True).select_related("category")
    if category is None:
        return qs.none()
    return qs.filter(category=category).order_by("sort_order", "code")


class DispatchForm(MoveForm):
    """派遣: the lead department (主办) and any co-departments (协办, 一件事), chosen explicitly.

    Two separate fields so what the screen shows is what is sent: one lead, the co-departments
    beside it. The routing suggestion pre-fills both and is named in a sentence above them; a
    lead that is also listed as a co-department is refused with a message.
    """

    lead = forms.ModelChoiceField(
        label=_("Lead department 主办"),
        queryset=Department.objects.filter(is_active=True),
        widget=QuickSelect,
    )
    co_departments = forms.ModelMultipleChoiceField(
        label=_("Co-departments 协办 (optional)"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=QuickSelectMultiple(attrs={"size": 5}),
        help_text=_("Only for a joint case: each department chosen here gets its own task."),
    )
    note = note_field()

    def __init__(self, *args, suggestion=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion
        self.fields["lead"].empty_label = _("Choose the lead department")
        active = self.fields["lead"].queryset
        self.fields["lead"].choices = department_choices(
            active, self.case, empty_label=self.fields["lead"].empty_label
        )
        self.fields["co_departments"].choices = department_choices(
            active, self.case, empty_label=None
        )
        if suggestion is not None:
            self.fields["lead"].initial = suggestion.lead.pk
            self.fields["co_departments"].initial = [d.pk for d in suggestion.co]

    def clean(self):
        data = super().clean()
        lead = data.get("lead")
        co = list(data.get("co_departments") or [])
        if lead is not None and any(d.pk == lead.pk for d in co):
            raise forms.ValidationError(
                _("%(dept)s is the lead department: do not choose it as a co-department too.")
                % {"dept": lead.name}
            )
        data["departments"] = [lead, *co] if lead is not None else co
        return data


class RerouteShareForm(MoveForm):
    """协办改派: the department that takes over a co-department's returned share."""

    department = forms.ModelChoiceField(
        label=_("Department taking over the share"),
        queryset=Department.objects.filter(is_active=True),
        widget=QuickSelect,
    )
    note = note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.empty_label = _("Choose the department")
        if self.case is not None:  # not those already on the case in this round
            busy = self.case.tasks.filter(round=self.case.dispatch_round).values("department_id")
            field.queryset = field.queryset.exclude(pk__in=busy)
        field.choices = department_choices(field.queryset, self.case, empty_label=field.empty_label)


class SupervisionReplyForm(MoveForm):
    """督办回复: the department's answer to a 督办 (what was done, when it will be finished)."""

    note = forms.CharField(
        label=_("Your reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuperviseForm(MoveForm):
    """督办: what the desk expects of the department (sent to it as a text message)."""

    note = forms.CharField(
        label=_("What you expect of the department"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtensionRequestForm(MoveForm):
    amount = forms.DecimalField(
        label=_("Extra time (in the task's time unit)"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
    )
    reason = reason_field()


class ApproveExtensionForm(MoveForm):
    amount = forms.DecimalField(
        label=_("Grant (empty: as requested)"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        required=False,
    )
    note = note_field()


class DisposeForm(MoveForm):
    photos = PhotosField(required=True, label=_("After-photos"))
    note = note_field()


class CheckPassForm(MoveForm):
    photos = PhotosField(label=_("Check photos"))
    note = note_field()


class CheckFailForm(MoveForm):
    reason = reason_field()
    photos = PhotosField(label=_("Check photos"))


class WorkbenchFilter(forms.Form):
    """The workbench filters; every field optional, bad values are ignored field by field."""

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=AdminArea.objects.none(), required=False, widget=QuickSelect
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=QuickSelect,
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All sources")), *SourceChannel.choices], required=False
    )
    light = forms.ChoiceField(
        label=_("Light"), choices=[("", _("All lights")), *Light.choices], required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("All priorities")), *Priority.choices], required=False
    )
    reported_from = forms.DateField(
        label=_("Reported on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(
        label=_("Number or text"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        areas = visible_areas(user).filter(level__in=FILTER_AREA_LEVELS)
        self.fields["area"].queryset = areas
        # ~550 options on every workbench page: the options from plain rows, not model objects
        # (the querysets still check what is chosen).
        self.fields["area"].choices = [
            ("", _("All my areas")),
            *(
                (pk, f"{name} ({code})")
                for pk, name, code in areas.values_list("pk", "name", "code")
            ),
        ]
        self.fields["category"].choices = [("", _("All categories")), *category_options()]

    def values(self) -> dict:
        """Cleaned values of the valid fields (an invalid field simply does not filter)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


def category_options() -> list[tuple[int, str]]:
    """(pk, "code name") of the active categories, as their ``__str__`` reads."""
    rows = Category.objects.filter(is_active=True).values_list("pk", "code", "name")
    return [(pk, f"{code} {name}") for pk, code, name in rows]


class BulkDispatchForm(forms.Form):
    cases = forms.CharField(required=False)  # read with getlist(); validated against scope
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=QuickSelect,
    )
