"""URLs of the service log: hours (composed in urls.py)."""

urlpatterns = []
