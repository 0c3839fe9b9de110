from django.urls import path

from components import views

app_name = "components"

urlpatterns = [
    path("", views.register, name="register"),
    path("labels/", views.labels, name="labels"),
    path("survey/", views.survey, name="survey"),
    path("<str:code>/", views.component, name="component"),
]
