"""Pages of the study items and completions, honours and outputs (names prefixed: the
partylife namespace is shared by its parts)."""

from django.urls import path

from . import views_honours as honours
from . import views_study as study

urlpatterns: list = [
    path("study/", study.StudyListView.as_view(), name="study_list"),
    path("study/new/", study.StudyItemCreateView.as_view(), name="study_new"),
    path("study/record/", study.StudyRecordView.as_view(), name="study_record"),
    path("study/record/export/", study.StudyRecordExportView.as_view(), name="study_record_export"),
    path("study/<int:pk>/", study.StudyItemDetailView.as_view(), name="study_detail"),
    path("study/<int:pk>/edit/", study.StudyItemEditView.as_view(), name="study_edit"),
    path("study/<int:pk>/void/", study.StudyItemVoidView.as_view(), name="study_void"),
    path("study/<int:pk>/done/", study.StudyCompleteView.as_view(), name="study_complete"),
    path("study/completions/<int:pk>/delete/", study.StudyUncompleteView.as_view(), name="study_uncomplete"),
    path("honours/", honours.HonourListView.as_view(), name="honour_list"),
    path("honours/new/", honours.HonourCreateView.as_view(), name="honour_new"),
    path("honours/<int:pk>/", honours.HonourDetailView.as_view(), name="honour_detail"),
    path("honours/<int:pk>/edit/", honours.HonourEditView.as_view(), name="honour_edit"),
    path("honours/<int:pk>/void/", honours.HonourVoidView.as_view(), name="honour_void"),
    path("honours/<int:pk>/certificate/", honours.HonourCertificateView.as_view(), name="honour_certificate"),
    path("outputs/new/", honours.OutputCreateView.as_view(), name="output_new"),
    path("outputs/<int:pk>/", honours.OutputDetailView.as_view(), name="output_detail"),
    path("outputs/<int:pk>/edit/", honours.OutputEditView.as_view(), name="output_edit"),
    path("outputs/<int:pk>/void/", honours.OutputVoidView.as_view(), name="output_void"),
]
