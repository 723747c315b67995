from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("changes/", views.ChangeLogView.as_view(), name="changes"),
    path("access/", views.AccessLogView.as_view(), name="access"),
    path("logins/", views.LoginLogView.as_view(), name="logins"),
    path("archives/", views.ArchiveListView.as_view(), name="archives"),
]
