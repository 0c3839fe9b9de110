"""Sensing pages: /iot/devices/, /iot/alarms/, /iot/vehicles/ (mounted in cityops.urls)."""

from __future__ import annotations

from django.urls import path

from iot import views

app_name = "iot"

urlpatterns = [
    path("devices/", views.device_list, name="devices"),
    path("devices/<str:code>/", views.device_detail, name="device"),
    path("alarms/", views.alarm_list, name="alarms"),
    path("alarms/<int:alarm_id>/<str:action>/", views.alarm_act, name="alarm_act"),
    path("vehicles/", views.vehicle_list, name="vehicles"),
    path("vehicles/<int:vehicle_id>/track/", views.vehicle_track, name="vehicle_track"),
    path(
        "vehicles/<int:vehicle_id>/track.json", views.vehicle_track_data, name="vehicle_track_data"
    ),
]
