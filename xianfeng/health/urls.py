from django.urls import path

from . import views

app_name = "health"

# The administrators' status page (/health/); /healthz and /readyz are in config/urls.py.
urlpatterns = [path("", views.StatusView.as_view(), name="status")]
