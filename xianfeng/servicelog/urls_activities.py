"""URLs of the service log: activities (composed in urls.py)."""

urlpatterns = []
