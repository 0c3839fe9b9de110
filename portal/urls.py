"""Citizen portal pages, mounted at /citizen/ (see portal.views)."""

from __future__ import annotations

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("suggest/", views.suggest, name="suggest"),
    path("t/<str:token>/", views.track, name="track"),
    path("t/<str:token>/rate/", views.rate, name="rate"),
    path("find/", views.find, name="find"),
    path("map/areas.geojson", views.areas_geojson, name="areas_geojson"),
]
