from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.OrgListView.as_view(), name="list"),
    path("new/", views.OrgCreateView.as_view(), name="create"),
    path("<int:pk>/", views.OrgDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrgEditView.as_view(), name="edit"),
    path("<int:pk>/move/", views.OrgMoveView.as_view(), name="move"),
    path("<int:pk>/dissolve/", views.OrgDissolveView.as_view(), name="dissolve"),
]
