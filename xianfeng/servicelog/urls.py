"""The service log's pages, one module per area: records and quick entry, activities, volunteer
hours and certificates, the service-type catalogue."""

from . import urls_activities, urls_hours, urls_records, urls_types

app_name = "servicelog"

urlpatterns = [
    *urls_records.urlpatterns,
    *urls_activities.urlpatterns,
    *urls_hours.urlpatterns,
    *urls_types.urlpatterns,
]
