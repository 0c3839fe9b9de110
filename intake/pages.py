"""Merge (合并) and split (拆分) from the case page, for the roles that may void (值班长, 管理员).

``/intake/cases/<number>/merge/``: pick the case to keep (the open cases near this one are
offered first, same category on top) and say why; this case is voided into it.
``/intake/cases/<number>/split/``: tick the duplicate reports that are a different problem;
they open one new case. Both go through ``intake.services`` (the API's services) and come back
to a case page with a message. The case page links here through ``cases.panels``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import panels, permissions
from cases.api_selectors import visible_cases
from cases.models import Case
from cases.states import FINAL_CASE_STATUSES
from cases.views.access import case_or_404
from core.errors import DomainError
from intake import selectors, services
from intake.services.merging import MERGE_ROLES, MERGEABLE_STATUSES, REASON_MAX

NUMBER_MAX = 32


class MergeForm(forms.Form):
    """The case to keep: one of the nearby cases (``into``, radio) or a typed number, which
    wins when both are given."""

    into = forms.CharField(max_length=NUMBER_MAX, required=False)
    into_number = forms.CharField(
        label=gettext_lazy("Keep case (number)"),
        max_length=NUMBER_MAX,
        required=False,
        help_text=gettext_lazy("Pick one of the cases nearby, or type its number."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why these are one problem"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        number = (data.get("into_number") or "").strip() or (data.get("into") or "").strip()
        if not number:
            self.add_error("into_number", _("Choose the case to keep."))
        data["number"] = number
        return data


class SplitForm(forms.Form):
    reports = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Reports that are a different problem"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, duplicates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].choices = [
            (
                r.pk,
                f"{timezone.localtime(r.received_at):%m-%d %H:%M} · {r.get_source_display()} · "
                f"{(r.description or '')[:80]}",
            )
            for r in duplicates
        ]


def _may_merge(user, case: Case) -> bool:
    return permissions.role_of(user) in MERGE_ROLES and permissions.can_see(user, case.area_path)


def _refuse(request: HttpRequest, case: Case, text: str) -> HttpResponse:
    messages.error(request, text)
    return redirect("cases:case", number=case.number)


@login_required
def merge_case(request: HttpRequest, number: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    if not _may_merge(request.user, case):
        return _refuse(request, case, _("Merging cases needs a shift leader."))
    form = MergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        into = visible_cases(request.user).filter(number=form.cleaned_data["number"]).first()
        if into is None:
            form.add_error("into_number", _("No case with this number that you may see."))
        else:
            try:
                services.case_merge(
                    case=case, into=into, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Case %(number)s merged into %(into)s.")
                    % {"number": case.number, "into": into.number},
                )
                return redirect("cases:case", number=into.number)
    nearby = []
    if case.lon is not None and case.lat is not None:
        nearby = [
            n
            for n in selectors.nearby_open_cases(
                request.user, lon=case.lon, lat=case.lat, category_id=case.category_id
            )
            if n.case.pk != case.pk
        ]
    return render(request, "intake/merge.html", {"case": case, "form": form, "nearby": nearby})


@login_required
def split_case(request: HttpRequest, number: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    if not _may_merge(request.user, case):
        return _refuse(request, case, _("Splitting cases needs a shift leader."))
    reports = list(selectors.case_reports(case))
    duplicates = [r for r in reports if r.duplicate_of_id is not None]
    form = SplitForm(request.POST if request.method == "POST" else None, duplicates=duplicates)
    if request.method == "POST" and form.is_valid():
        try:
            new_case, _record = services.case_split(
                case=case,
                reports=form.cleaned_data["reports"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("New case %(new)s opened from %(n)d report(s) of %(number)s.")
                % {
                    "new": new_case.number,
                    "n": len(form.cleaned_data["reports"]),
                    "number": number,
                },
            )
            return redirect("cases:case", number=new_case.number)
    return render(
        request,
        "intake/split.html",
        {"case": case, "form": form, "reports": reports, "duplicates": duplicates},
    )


def case_links(user, case: Case) -> list[panels.CaseLink]:
    """合并 while the case can still be voided; 拆分 while it is open and has duplicates."""
    if not _may_merge(user, case):
        return []
    links = []
    if case.status in MERGEABLE_STATUSES:
        links.append(
            panels.CaseLink(
                "merge",
                _("Merge into another case 合并"),
                reverse("intake:merge", args=[case.number]),
            )
        )
    if (
        case.status not in FINAL_CASE_STATUSES
        and selectors.case_reports(case).filter(duplicate_of__isnull=False).exists()
    ):
        links.append(
            panels.CaseLink(
                "split",
                _("Split reports off 拆分"),
                reverse("intake:split", args=[case.number]),
            )
        )
    return links
