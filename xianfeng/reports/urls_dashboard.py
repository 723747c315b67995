from django.urls import path

from . import views_dashboard

urlpatterns = [
    path("", views_dashboard.DashboardView.as_view(), name="dashboard"),
]
