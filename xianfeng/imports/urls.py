from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("new/<slug:spec_key>/", views.UploadView.as_view(), name="upload"),
    path("template/<slug:spec_key>/", views.TemplateView.as_view(), name="template"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="detail"),
    path("<int:pk>/commit/", views.JobCommitView.as_view(), name="commit"),
    path("<int:pk>/mapping/edit/", views.JobMappingView.as_view(), name="mapping"),
    path("<int:pk>/errors.xlsx", views.ErrorWorkbookView.as_view(), name="errors"),
]
