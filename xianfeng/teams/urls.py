from django.urls import path

from . import views, views_places

app_name = "teams"

urlpatterns = [
    path("", views.TeamListView.as_view(), name="list"),
    path("new/", views.TeamCreateView.as_view(), name="create"),
    path("<int:pk>/", views.TeamDetailView.as_view(), name="detail"),
    path("<int:pk>/roster.xlsx", views.TeamRosterExportView.as_view(), name="export"),
    path("<int:pk>/edit/", views.TeamEditView.as_view(), name="edit"),
    path("<int:pk>/dissolve/", views.TeamDissolveView.as_view(), name="dissolve"),
    path("<int:pk>/members/new/", views.MembershipAddView.as_view(), name="membership_add"),
    path("<int:pk>/rotate/", views.TeamRotateView.as_view(), name="rotate"),
    path("memberships/<int:pk>/end/", views.MembershipEndView.as_view(), name="membership_end"),
    path("posts/", views_places.PostListView.as_view(), name="post_list"),
    path("posts/new/", views_places.PostCreateView.as_view(), name="post_create"),
    path("posts/<int:pk>/", views_places.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:pk>/assign/", views_places.PostAssignView.as_view(), name="post_assign"),
    path("zones/", views_places.ZoneListView.as_view(), name="zone_list"),
    path("zones/new/", views_places.ZoneCreateView.as_view(), name="zone_create"),
    path("zones/<int:pk>/", views_places.ZoneDetailView.as_view(), name="zone_detail"),
    path("zones/<int:pk>/assign/", views_places.ZoneAssignView.as_view(), name="zone_assign"),
]
