"""The device list, a device's page and its revocation (views_pages.py), under /devices/."""

from django.urls import path

from . import views_pages

urlpatterns = [
    path("", views_pages.DeviceListView.as_view(), name="list"),
    path("<int:pk>/", views_pages.DeviceDetailView.as_view(), name="detail"),
    path("<int:pk>/revoke/", views_pages.DeviceRevokeView.as_view(), name="revoke"),
]
