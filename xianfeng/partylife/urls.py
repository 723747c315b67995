"""URLs of organizational life (app_name "partylife"), one module per part."""

from . import urls_dues, urls_meetings, urls_study

app_name = "partylife"

urlpatterns = [*urls_meetings.urlpatterns, *urls_study.urlpatterns, *urls_dues.urlpatterns]
