from django.urls import path

from . import views_jobs

# Starting a job is a POST to an address ending in "export": it needs 导出 (access table 表四).
urlpatterns = [
    path("", views_jobs.JobListView.as_view(), name="jobs"),
    path("export/", views_jobs.JobStartView.as_view(), name="job_start"),
    path("<int:pk>/", views_jobs.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/download/", views_jobs.JobDownloadView.as_view(), name="job_download"),
]
