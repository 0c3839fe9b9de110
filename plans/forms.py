"""The planned-work page's forms: completing an order, a problem found on the round, the
inspection. Checklist items are answered one by one (正常 / 有问题); what proof the plan needs
is checked by plans.services, where the API's completion is checked too."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.limits import DESCRIPTION_MAX
from cases.views.forms import PhotosField


class _Problems:
    def problems(self) -> str:
        """Every field's error in one line, naming the field (for the outbox's answer)."""
        said = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            for error in errors:
                said.append(f"{label}: {error}" if label else str(error))
        return " ".join(said)


ANSWERS = (("ok", _("OK 正常")), ("problem", _("Problem 有问题")))


class CompleteForm(_Problems, forms.Form):
    # Checked and re-encoded by cases.evidence.clean_image (type, size, decompression bombs).
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    # The photo is optional here: the service names every missing proof at once.
    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.items = [str(item) for item in plan.checklist]
        for n, item in enumerate(self.items):
            self.fields[f"answer_{n}"] = forms.ChoiceField(
                label=item, choices=ANSWERS, required=False, widget=forms.RadioSelect
            )

    def answers(self) -> dict:
        """The checklist answers as item -> 正常 / 有问题 (unanswered items left out)."""
        labels = {"ok": "正常", "problem": "有问题"}
        return {
            item: labels[self.cleaned_data[f"answer_{n}"]]
            for n, item in enumerate(self.items)
            if self.cleaned_data.get(f"answer_{n}")
        }

    def checklist_fields(self):
        return [self[f"answer_{n}"] for n in range(len(self.items))]


class ProblemForm(_Problems, forms.Form):
    description = forms.CharField(
        label=_("What is wrong"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(label=_("Photo"))
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)
    client_key = forms.RegexField(
        regex=r"^[0-9a-fA-F-]{8,36}$", widget=forms.HiddenInput, required=False
    )

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            data["lon"] = data["lat"] = None  # half a position is none
        return data


class InspectForm(_Problems, forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=(("passed", _("Passed 抽查合格")), ("failed", _("Failed 抽查不合格"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
