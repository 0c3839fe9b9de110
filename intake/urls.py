"""Intake pages: /intake/new/ (operator entry), /intake/call/ (the 12345/110 call desk),
/intake/m/report/ (the inspector's phone report), /intake/cases/<number>/merge|split/ (合并,
拆分 from the case page)."""

from __future__ import annotations

from django.urls import path

from intake import pages
from intake.channels.call import views as call_views
from intake.channels.inspector import views as inspector_views
from intake.channels.operator import views as operator_views

app_name = "intake"

urlpatterns = [
    path("new/", operator_views.new_report, name="new_report"),
    path("call/", call_views.call_entry, name="call"),
    path("call/places/", call_views.places, name="call_places"),
    path("call/nearby/", call_views.nearby, name="call_nearby"),
    path("m/report/", inspector_views.report, name="inspector_report"),
    path("m/report/categories/", inspector_views.categories, name="inspector_categories"),
    path("cases/<str:number>/merge/", pages.merge_case, name="merge"),
    path("cases/<str:number>/split/", pages.split_case, name="split"),
]
