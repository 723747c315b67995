"""URLs of the service log: the service-type catalogue (composed in urls.py)."""

from django.urls import path

from . import views_types

urlpatterns = [
    path("types/", views_types.ServiceTypeListView.as_view(), name="type_list"),
    path("types/new/", views_types.ServiceTypeCreateView.as_view(), name="type_new"),
    path("types/<int:pk>/edit/", views_types.ServiceTypeEditView.as_view(), name="type_edit"),
]
