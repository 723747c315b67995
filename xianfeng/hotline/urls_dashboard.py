from django.urls import path

from . import views_dashboard

urlpatterns = [
    path("", views_dashboard.HotlineDashboardView.as_view(), name="dashboard"),
]
