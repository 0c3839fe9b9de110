"""Intake pages: /intake/new/ (operator entry)."""

from __future__ import annotations

from django.urls import path

from intake.channels.operator import views as operator_views

app_name = "intake"

urlpatterns = [
    path("new/", operator_views.new_report, name="new_report"),
]
