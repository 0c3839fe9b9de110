"""The call desk's form (page ``/intake/call/``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea
from cases.limits import DESCRIPTION_MAX
from cases.states import Priority, SourceChannel
from catalog.models import Category
from core.widgets import QuickSelect
from intake.channels.call import CALL_SOURCES
from org.selectors import visible_areas


class CallForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Line"),
        choices=[(s, SourceChannel(s).label) for s in CALL_SOURCES],
        initial=SourceChannel.HOTLINE_12345,
        widget=forms.RadioSelect,
    )
    caller_name = forms.CharField(label=_("Caller"), max_length=60, required=False)
    caller_phone = forms.CharField(label=_("Caller's number"), max_length=30, required=False)
    description = forms.CharField(
        label=_("What is wrong"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea({"rows": 3}),
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
    address = forms.CharField(label=_("Address as the caller says it"), max_length=200)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    area = forms.ModelChoiceField(
        label=_("Area (when there is no pin)"),
        queryset=AdminArea.objects.none(),
        required=False,
        widget=QuickSelect,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = _("Suggest from the words")
        self.fields["area"].queryset = visible_areas(user).order_by("path")
        self.fields["area"].empty_label = _("The city")

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("The pin lost one of its coordinates: set it again."))
        return data
