"""URLs of the settings pages (composed under /programs/settings/ in urls.py)."""

from django.urls import path

from . import views_settings

urlpatterns = [
    path("", views_settings.SettingsView.as_view(), name="settings"),
    path("custom/", views_settings.CustomProgramListView.as_view(), name="custom_list"),
    path("custom/new/", views_settings.CustomProgramCreateView.as_view(), name="custom_new"),
    path("custom/<int:pk>/edit/", views_settings.CustomProgramEditView.as_view(), name="custom_edit"),
]
