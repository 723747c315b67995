"""URLs of the programs' index, enrollments, visits and periods (composed in urls.py)."""

from django.urls import path

from . import views_enrollments, views_periods, views_visits

urlpatterns = [
    path("", views_enrollments.ProgramIndexView.as_view(), name="index"),
    path("enrollments/", views_enrollments.EnrollmentListView.as_view(), name="enrollment_list"),
    path("enroll/", views_enrollments.EnrollView.as_view(), name="enroll"),
    path("enrollments/<int:pk>/", views_enrollments.EnrollmentDetailView.as_view(), name="enrollment_detail"),
    path("enrollments/<int:pk>/edit/", views_enrollments.EnrollmentEditView.as_view(), name="enrollment_edit"),
    path("enrollments/<int:pk>/end/", views_enrollments.EnrollmentEndView.as_view(), name="enrollment_end"),
    path("enrollments/<int:pk>/void/", views_enrollments.EnrollmentVoidView.as_view(), name="enrollment_void"),
    path("enrollments/<int:pk>/visits/new/", views_visits.VisitCreateView.as_view(), name="visit_new"),
    path("enrollments/<int:pk>/periods/add/", views_periods.PeriodAddView.as_view(), name="period_add"),
    path("periods/<int:pk>/end/", views_periods.PeriodEndView.as_view(), name="period_end"),
]
