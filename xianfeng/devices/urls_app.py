"""The offline field app (``/m/``): its shell, service worker, manifest and string catalogue
(views_app.py). The service worker lives under /m/ so that its scope is the app alone."""

from django.urls import path

from . import views_app

app_name = "offline"
urlpatterns = [
    path("", views_app.AppView.as_view(), name="app"),
    path("sw.js", views_app.ServiceWorkerView.as_view(), name="sw"),
    path("manifest.webmanifest", views_app.ManifestView.as_view(), name="manifest"),
    path("i18n.js", views_app.catalog_view, name="i18n"),
]
