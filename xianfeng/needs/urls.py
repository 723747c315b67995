"""URLs of the needs ledger 民情台账 (app_name "needs"); the figures page is urls_figures.py."""

from django.urls import include, path

from . import views, views_actions

app_name = "needs"

urlpatterns = [
    path("", views.NeedListView.as_view(), name="list"),
    path("new/", views.NeedCreateView.as_view(), name="new"),
    path("export.xlsx", views.NeedExportView.as_view(), name="export"),
    path("<int:pk>/", views.NeedDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.NeedEditView.as_view(), name="edit"),
    path("<int:pk>/assign/", views_actions.NeedAssignView.as_view(), name="assign"),
    path("<int:pk>/start/", views_actions.NeedStartView.as_view(), name="start"),
    path("<int:pk>/resolve/", views_actions.NeedResolveView.as_view(), name="resolve"),
    path("<int:pk>/close/", views_actions.NeedCloseView.as_view(), name="close"),
    path("<int:pk>/reopen/", views_actions.NeedReopenView.as_view(), name="reopen"),
    path("<int:pk>/void/", views_actions.NeedVoidView.as_view(), name="void"),
    path("figures/", include("xianfeng.needs.urls_figures")),
]
