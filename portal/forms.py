"""Forms of the citizen portal: the report (随手拍), the rating (回访), the look-up by number.

They only parse input; the rules (rate limits, photo checks, where the city serves, when a case
may be rated) live in portal.services and reach the page as its messages.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.limits import DESCRIPTION_MAX
from cases.models import NUMBER_MAX_LENGTH
from cases.numbering import format_case_number
from cases.views.forms import PhotosField
from catalog.models import Category
from portal import selectors
from portal.models import COMMENT_MAX, Rating

ADDRESS_MAX = 200
PHONE_FIELD_MAX = 30
NOT_SURE = ""


class PortalReportForm(forms.Form):
    photos = PhotosField(label=_("Photo of the problem"))
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(
            {
                "rows": 3,
                "placeholder": _("For example: the manhole cover at the bus stop is broken"),
            }
        ),
    )
    category = forms.ChoiceField(label=_("Type of problem"), required=False)
    address = forms.CharField(
        label=_("Address or landmark (optional)"),
        max_length=ADDRESS_MAX,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    lon = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=_("Mobile number (optional, for text messages about your report)"),
        max_length=PHONE_FIELD_MAX,
        required=False,
        widget=forms.TextInput({"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # The registered component (部件) the report is about, when the citizen came from its QR
    # label (components' page sends them here with its identifier).
    component = forms.RegexField(regex=r"^\d{17}$", required=False, widget=forms.HiddenInput)
    component_key = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    # A random id per form: sending the same form twice gives the same receipt, not two cases.
    submission = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].required = settings.PORTAL_REQUIRE_PHOTO
        # Camera or gallery: ``capture`` would force the camera on Android.
        self.fields["photos"].widget.attrs.pop("capture", None)
        if settings.PORTAL_REQUIRE_PHOTO:
            self.fields["photos"].widget.attrs["required"] = True
        self.fields["category"].choices = [
            (NOT_SURE, _("Not sure: let the city centre decide")),
            *selectors.picker_groups(),
        ]
        self.fields["description"].widget.attrs.update(
            {
                "hx-get": reverse("portal:suggest"),
                "hx-trigger": "input changed delay:600ms",
                "hx-target": "#suggestions",
                "hx-swap": "innerHTML",
            }
        )
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4().hex)

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category")
        if not value:
            return None
        category = Category.objects.filter(pk=value, is_active=True).first()
        if category is None:
            raise forms.ValidationError(_("Choose a problem type from the list, or 'Not sure'."))
        return category

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(
                _("The location came through incomplete: tap the map again.")
            )
        from components.labels import key_matches

        if data.get("component") and not key_matches(
            data["component"], data.get("component_key") or ""
        ):
            data["component"] = ""  # only a label's own address names its component
        return data


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how it was handled?"),
        choices=Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class LookupForm(forms.Form):
    """Find a case by its number and the phone number it was reported with (12345 callers too)."""

    number = forms.CharField(
        label=_("Case number"),
        max_length=NUMBER_MAX_LENGTH + 8,  # room for the spaces of a number typed in groups
        widget=forms.TextInput(
            {
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    phone = forms.CharField(
        label=_("Phone number the problem was reported with"),
        max_length=PHONE_FIELD_MAX,
        widget=forms.TextInput({"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What a number looks like here (the city prefix is a setting): today's first case.
        example = format_case_number(timezone.localdate(), 1)
        self.fields["number"].widget.attrs["placeholder"] = example
