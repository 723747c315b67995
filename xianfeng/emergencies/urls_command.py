"""Pages of the emergency, its working groups, leadership meetings and daily situation reports."""

urlpatterns: list = []
