"""Case pages: /cases/ (workbench), /cases/<number>/ (case page), /cases/m/... (phone pages)."""

from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from cases.views import case_page, mobile, workbench

app_name = "cases"

urlpatterns = [
    path("", workbench.workbench, name="workbench"),
    path("bulk-dispatch/", workbench.bulk_dispatch, name="bulk_dispatch"),
    path("m/tasks/", mobile.my_tasks, name="my_tasks"),
    path("m/inspect/", mobile.inspect, name="inspect"),
    # The inspector's report moved to intake (one door); phones may have the old address saved.
    path("m/report/", RedirectView.as_view(pattern_name="intake:inspector_report"), name="report"),
    path("<str:number>/", case_page.case_detail, name="case"),
    path("<str:number>/standards/", case_page.standards, name="standards"),
    path("<str:number>/do/<str:action>/", case_page.act, name="act"),
]
