from django.urls import path

from signs import figure_pages, views

app_name = "signs"

urlpatterns = [
    path("", views.index, name="index"),
    path("values/<int:pk>/", views.value, name="value"),
    path("weights/", views.weights, name="weights"),
    path("figures/", figure_pages.figures, name="figures"),
]
