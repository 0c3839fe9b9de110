"""The admin upload form: a hotline export, its profile, and how to import it."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.states import SourceChannel
from hotline.models import ImportProfile

UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8, UTF-8 with BOM or GB18030) or xlsx.")
    )
    profile = forms.ModelChoiceField(
        label=_("Profile"),
        queryset=ImportProfile.objects.all(),
        required=False,
        help_text=_("Blank: the usual 12345 export headers (工单编号, 诉求内容, 来电时间, ...)."),
    )
    source = forms.ChoiceField(
        label=_("Source channel"),
        choices=[("", _("The profile's (else 12345 hotline)")), *SourceChannel.choices],
        required=False,
        help_text=_("For rows without a source column (来电类型)."),
    )
    historical = forms.BooleanField(
        label=_("Historical import"),
        required=False,
        help_text=_("Finished cases with their timelines, loaded in bulk (no notifications)."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, help_text=_("Check every row, write no case.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(
                _("%(name)s is not a CSV or xlsx file (%(suffixes)s).")
                % {"name": upload.name, "suffixes": ", ".join(UPLOAD_SUFFIXES)}
            )
        return upload
