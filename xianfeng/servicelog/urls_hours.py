"""URLs of the service log: volunteer hours and certificates (composed in urls.py)."""

from django.urls import path

from . import views_hours

urlpatterns = [
    path("hours/", views_hours.HoursView.as_view(), name="hours"),
    path("hours/members/<int:pk>/", views_hours.HoursMemberView.as_view(), name="hours_member"),
    path("hours/teams/<int:pk>/", views_hours.HoursTeamView.as_view(), name="hours_team"),
    path("certificates/", views_hours.CertificateListView.as_view(), name="certificate_list"),
    path("certificates/new/", views_hours.CertificateNewView.as_view(), name="certificate_new"),
    path("certificates/verify/", views_hours.CertificateVerifyView.as_view(), name="certificate_verify"),
    path("certificates/<int:pk>/", views_hours.CertificateDetailView.as_view(), name="certificate_detail"),
    path("certificates/<int:pk>/certificate.docx", views_hours.CertificateDocxView.as_view(), name="certificate_docx"),
]
