"""Pages of the devices app: the device list for administrators and users (``/devices/``) and the
offline field app itself (``/m/``, urls_app.py, its own namespace)."""

from . import urls_pages

app_name = "devices"
urlpatterns = [*urls_pages.urlpatterns]
