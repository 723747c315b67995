"""URLs of crisis mode (app_name "emergencies"), one module per part."""

from . import urls_command, urls_people

app_name = "emergencies"

urlpatterns = [*urls_command.urlpatterns, *urls_people.urlpatterns]
