"""URLs of the service log: records (composed in urls.py)."""

urlpatterns = []
