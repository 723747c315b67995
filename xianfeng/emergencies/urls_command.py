"""Pages of the emergency, its working groups, leadership meetings and daily situation reports.
Names are unique across the app's parts (the namespace is flat)."""

from django.urls import path

from . import views_command as views
from . import views_command_daily as daily

urlpatterns = [
    path("", views.EmergencyListView.as_view(), name="list"),
    path("new/", views.EmergencyCreateView.as_view(), name="emergency_new"),
    path("<int:pk>/", views.EmergencyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EmergencyEditView.as_view(), name="emergency_edit"),
    path("<int:pk>/close/", views.EmergencyCloseView.as_view(), name="emergency_close"),
    path("<int:pk>/call/edit/", views.EmergencyCallView.as_view(), name="emergency_call"),
    path("<int:pk>/report-fields/edit/", views.ReportFieldsView.as_view(), name="report_fields"),
    path("<int:pk>/groups/new/", views.WorkingGroupCreateView.as_view(), name="group_new"),
    path("groups/<int:pk>/edit/", views.WorkingGroupEditView.as_view(), name="group_edit"),
    path(
        "<int:pk>/leadership-meetings/new/", views.LeadershipMeetingCreateView.as_view(), name="leadership_meeting_new"
    ),
    path(
        "leadership-meetings/<int:pk>/void/", views.LeadershipMeetingVoidView.as_view(), name="leadership_meeting_void"
    ),
    path("<int:pk>/reports/", daily.DailyReportListView.as_view(), name="daily_list"),
    path("<int:pk>/reports/new/", daily.DailyReportCreateView.as_view(), name="daily_new"),
    path("<int:pk>/reports/export.xlsx", daily.DailyExportView.as_view(), name="daily_export"),
    path("<int:pk>/trend/", daily.DailyTrendView.as_view(), name="daily_trend"),
    path("reports/<int:pk>/edit/", daily.DailyReportCorrectView.as_view(), name="daily_correct"),
]
