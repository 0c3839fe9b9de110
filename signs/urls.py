from django.urls import path

from signs import views

app_name = "signs"

urlpatterns = [
    path("", views.index, name="index"),
    path("values/<int:pk>/", views.value, name="value"),
    path("weights/", views.weights, name="weights"),
]
