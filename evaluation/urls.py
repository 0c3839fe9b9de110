from django.urls import path

from evaluation import bulletin, post_views, views

app_name = "evaluation"

urlpatterns = [
    path("", views.departments, name="departments"),
    path("cases/", views.cases_behind, name="cases"),
    path("departments/<str:code>/", views.department_page, name="department"),
    path("regions/", views.regions, name="regions"),
    path("regions/cases/", views.region_cases, name="region_cases"),
    path("posts/", post_views.posts, name="posts"),
    path("posts/steps/", post_views.post_steps, name="post_steps"),
    path("schemes/<int:pk>/", views.scheme_page, name="scheme"),
    path("bulletin/", bulletin.bulletin, name="bulletin"),
]
