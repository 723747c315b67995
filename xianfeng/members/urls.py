from django.urls import path

from . import views, views_autocomplete

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("export.xlsx", views.MemberExportView.as_view(), name="export"),
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("autocomplete/", views_autocomplete.MemberAutocompleteView.as_view(), name="autocomplete"),
    path("new/", views.MemberCreateView.as_view(), name="create"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="edit"),
    path("<int:pk>/steps/new/", views.PartyStepCreateView.as_view(), name="step_create"),
    path("<int:pk>/steps/undo/", views.PartyStepUndoView.as_view(), name="step_undo"),
    path("<int:pk>/transfer/", views.MemberTransferView.as_view(), name="transfer"),
    path("<int:pk>/reveal/", views.MemberRevealView.as_view(), name="reveal"),
]
