"""URLs of the service log: records and quick entry (composed in urls.py)."""

from django.urls import path

from . import views_quick, views_records

urlpatterns = [
    path("records/", views_records.RecordListView.as_view(), name="record_list"),
    path("records/new/", views_records.RecordCreateView.as_view(), name="record_new"),
    path("records/<int:pk>/", views_records.RecordDetailView.as_view(), name="record_detail"),
    path("records/<int:pk>/edit/", views_records.RecordEditView.as_view(), name="record_edit"),
    path("records/<int:pk>/void/", views_records.RecordVoidView.as_view(), name="record_void"),
    path("quick/", views_quick.QuickEntryView.as_view(), name="quick"),
    path("providers/autocomplete/", views_records.ProviderAutocompleteView.as_view(), name="provider_autocomplete"),
]
