"""URLs of the worklist (composed in urls.py under /programs/worklist/)."""

from django.urls import path

from . import views_worklist

urlpatterns = [
    path("", views_worklist.WorklistView.as_view(), name="worklist"),
]
