"""Pages of the 三会一课, attendance, attachments of the minutes, the compliance calendar and its rules."""

from django.urls import path

from . import views_meetings as views
from . import views_meetings_files as files
from . import views_meetings_rules as rules

urlpatterns: list = [
    path("", views.ComplianceIndexView.as_view(), name="index"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_new"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", views.MeetingAttendanceView.as_view(), name="meeting_attendance"),
    path("meetings/<int:pk>/void/", views.MeetingVoidView.as_view(), name="meeting_void"),
    path("meetings/<int:pk>/upload/", files.MeetingUploadView.as_view(), name="meeting_upload"),
    path("meetings/files/<int:pk>/", files.MeetingFileView.as_view(), name="meeting_file"),
    path("meetings/files/<int:pk>/delete/", files.MeetingFileDeleteView.as_view(), name="meeting_file_delete"),
    path("rules/", rules.ComplianceRuleListView.as_view(), name="compliance_rules"),
    path("rules/<int:pk>/edit/", rules.ComplianceRuleEditView.as_view(), name="compliance_rule_edit"),
    path("rules/<int:pk>/end/", rules.ComplianceRuleEndView.as_view(), name="compliance_rule_end"),
]
