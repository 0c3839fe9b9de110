from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/photo/", views.photo, name="photo"),
    path("orders/<int:pk>/complete/", views.complete, name="complete"),
    path("orders/<int:pk>/report/", views.report_problem, name="report_problem"),
    path("orders/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("operators/", views.operators, name="operators"),
]
