from django.urls import path

from . import views, views_autocomplete, views_households, views_merge

app_name = "residents"

urlpatterns = [
    path("", views.ResidentListView.as_view(), name="list"),
    path("new/", views.ResidentCreateView.as_view(), name="create"),
    path("export/", views.ResidentExportView.as_view(), name="export"),
    path("duplicates/", views_merge.DuplicateListView.as_view(), name="duplicates"),
    path("autocomplete/", views_autocomplete.ResidentAutocompleteView.as_view(), name="autocomplete"),
    path(
        "households/autocomplete/",
        views_autocomplete.HouseholdAutocompleteView.as_view(),
        name="household_autocomplete",
    ),
    path("<int:pk>/", views.ResidentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ResidentEditView.as_view(), name="edit"),
    path("<int:pk>/reveal/", views.ResidentRevealView.as_view(), name="reveal"),
    path("<int:pk>/tags/add/", views.ResidentTagAddView.as_view(), name="tag_add"),
    path("<int:pk>/tags/end/", views.ResidentTagEndView.as_view(), name="tag_end"),
    path("<int:pk>/consents/add/", views.ConsentAddView.as_view(), name="consent_add"),
    path("<int:pk>/household/new/", views_households.HouseholdFoundView.as_view(), name="household_found"),
    path("<int:pk>/merge/", views_merge.ResidentMergeView.as_view(), name="merge"),
    path("merges/<int:pk>/undo/", views_merge.MergeUndoView.as_view(), name="merge_undo"),
    path("households/", views_households.HouseholdListView.as_view(), name="household_list"),
    path("households/new/", views_households.HouseholdCreateView.as_view(), name="household_create"),
    path("households/<int:pk>/", views_households.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views_households.HouseholdEditView.as_view(), name="household_edit"),
    path("households/<int:pk>/tags/add/", views_households.HouseholdTagAddView.as_view(), name="household_tag_add"),
    path("households/<int:pk>/tags/end/", views_households.HouseholdTagEndView.as_view(), name="household_tag_end"),
    path("households/<int:pk>/reveal/", views_households.HouseholdRevealView.as_view(), name="household_reveal"),
]
