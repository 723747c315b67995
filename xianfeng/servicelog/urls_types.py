"""URLs of the service log: types (composed in urls.py)."""

urlpatterns = []
