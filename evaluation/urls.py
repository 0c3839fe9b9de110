from django.urls import path

from evaluation import bulletin, views

app_name = "evaluation"

urlpatterns = [
    path("", views.departments, name="departments"),
    path("cases/", views.cases_behind, name="cases"),
    path("regions/", views.regions, name="regions"),
    path("regions/cases/", views.region_cases, name="region_cases"),
    path("schemes/<int:pk>/", views.scheme_page, name="scheme"),
    path("bulletin/", bulletin.bulletin, name="bulletin"),
]
