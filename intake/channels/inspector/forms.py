"""The inspector's report form (监督员上报): what, where (GPS or a pin) and a photo."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.limits import DESCRIPTION_MAX
from cases.views.forms import PhotosField
from catalog.models import Category
from core.widgets import QuickSelect


class InspectorReportForm(forms.Form):
    description = forms.CharField(
        label=_("What is wrong"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=QuickSelect,
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)
    photos = PhotosField(required=True, label=_("Photo"))
    # The registered component (部件) it is about: picked from the nearest ones of the category
    # (component-pick.js) or given by the QR label's page; intake checks scope, category, place.
    component = forms.RegexField(regex=r"^\d{17}$", widget=forms.HiddenInput, required=False)
    # Made by the phone when the form opens (offline-queue.js): a report sent twice, by a retry
    # after the signal came back, is the same report (intake: repeated source + external id).
    client_key = forms.RegexField(
        regex=r"^[0-9a-fA-F-]{8,36}$", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = _("Not sure (the desk decides)")

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            raise forms.ValidationError(
                _("Give the location: allow the phone's location or tap the map to drop a pin.")
            )
        return data
