"""The operator's form for leader orders, media and online reports (page ``/intake/new/``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea
from cases.limits import DESCRIPTION_MAX
from cases.states import Priority, SourceChannel
from cases.views.forms import PhotosField
from catalog.models import Category
from core.widgets import QuickSelect
from intake.channels.operator import LINK_MAX, OPERATOR_SOURCES, ORIGIN_MAX
from org.selectors import visible_areas


class OperatorReportForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(s, SourceChannel(s).label) for s in OPERATOR_SOURCES],
    )
    description = forms.CharField(
        label=_("What is wrong"), max_length=DESCRIPTION_MAX, widget=forms.Textarea({"rows": 4})
    )
    origin = forms.CharField(
        label=_("Ordered by / outlet or platform"), max_length=ORIGIN_MAX, required=False
    )
    link = forms.CharField(label=_("Article or post link"), max_length=LINK_MAX, required=False)
    due_at = forms.DateTimeField(
        label=_("Done by (leader orders)"),
        required=False,
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("交办时限: on the case's trail for the dispatcher and the department."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("Default for the source")), *Priority.choices],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=QuickSelect,
    )
    place = forms.CharField(
        label=_("Find a place"),
        max_length=60,
        required=False,
        help_text=_("A grid, street or an address of an earlier case; or tap the map."),
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    # The pin on the map, in WGS-84 as every map here works (hidden: set by the map).
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)
    area = forms.ModelChoiceField(
        label=_("Area (when there is no location)"),
        queryset=AdminArea.objects.none(),
        required=False,
        widget=QuickSelect,
    )
    reporter_name = forms.CharField(label=_("Contact name"), max_length=60, required=False)
    reporter_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    external_id = forms.CharField(
        label=_("Reference (order number, post id)"), max_length=100, required=False
    )
    photos = PhotosField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = _("Suggest from the text")
        self.fields["area"].queryset = visible_areas(user).order_by("path")
        self.fields["area"].empty_label = _("The city")

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("The pin lost one of its coordinates: set it again."))
        return data
