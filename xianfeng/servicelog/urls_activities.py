"""URLs of the service log: activities and their evidence (composed in urls.py)."""

from django.urls import path

from . import views_activities as views
from . import views_activity_files, views_attendees

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_new"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/void/", views.ActivityVoidView.as_view(), name="activity_void"),
    path("activities/<int:pk>/status/", views.ActivityStatusView.as_view(), name="activity_status"),
    path("activities/<int:pk>/attendees/", views_attendees.ActivityAttendeesView.as_view(), name="activity_attendees"),
    path("activities/<int:pk>/upload/", views_activity_files.ActivityUploadView.as_view(), name="activity_upload"),
    path("files/<int:pk>/", views_activity_files.ActivityFileView.as_view(), name="activity_file"),
    path("files/<int:pk>/thumb/", views_activity_files.ActivityFileThumbView.as_view(), name="activity_file_thumb"),
    path("files/<int:pk>/delete/", views_activity_files.ActivityFileDeleteView.as_view(), name="activity_file_delete"),
]
