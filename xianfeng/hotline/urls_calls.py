from django.urls import path

from . import views_calls, views_escalations

# Included at /hotline/ (hotline/urls.py, app_name "hotline").
urlpatterns = [
    path("calls/", views_calls.CallListView.as_view(), name="call_list"),
    path("calls/new/", views_calls.CallCreateView.as_view(), name="call_new"),
    path("calls/export.xlsx", views_calls.CallExportView.as_view(), name="call_export"),
    path("calls/<int:pk>/", views_calls.CallDetailView.as_view(), name="call_detail"),
    path("calls/<int:pk>/edit/", views_calls.CallEditView.as_view(), name="call_edit"),
    path("calls/<int:pk>/void/", views_calls.CallVoidView.as_view(), name="call_void"),
    path("calls/<int:pk>/reveal/", views_calls.CallRevealView.as_view(), name="call_reveal"),
    path("escalations/", views_escalations.EscalationListView.as_view(), name="escalation_list"),
    path("escalations/<int:pk>/", views_escalations.EscalationDetailView.as_view(), name="escalation_detail"),
    path(
        "escalations/<int:pk>/acknowledge/",
        views_escalations.EscalationAcknowledgeView.as_view(),
        name="escalation_acknowledge",
    ),
    path("escalations/<int:pk>/close/", views_escalations.EscalationCloseView.as_view(), name="escalation_close"),
]
