"""Pages of 请战书, commando and outbound teams, 1-to-1 family pairing, duty rosters and front-line
applications. The emergency is named by ``?emergency=<pk>`` on list pages (they are pages of
pledges, teams, shifts, applications); names are prefixed (the namespace is flat)."""

from django.urls import path

from . import views_applications, views_duty, views_pledges, views_teams

urlpatterns = [
    path("pledges/", views_pledges.PledgeListView.as_view(), name="pledge_list"),
    path("pledges/new/", views_pledges.PledgeCreateView.as_view(), name="pledge_new"),
    path("pledges/mine/", views_pledges.PledgeMineView.as_view(), name="pledge_mine"),
    path("pledges/<int:pk>/", views_pledges.PledgeDetailView.as_view(), name="pledge_detail"),
    path("pledges/<int:pk>/withdraw/", views_pledges.PledgeWithdrawView.as_view(), name="pledge_withdraw"),
    path("pledges/<int:pk>/decline/", views_pledges.PledgeDeclineView.as_view(), name="pledge_decline"),
    path("teams/", views_teams.TeamListView.as_view(), name="team_list"),
    path("teams/commando/new/", views_teams.CommandoTeamCreateView.as_view(), name="team_commando_new"),
    path("teams/<int:pk>/", views_teams.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/add/", views_teams.TeamAddPledgesView.as_view(), name="team_add"),
    path("teams/<int:pk>/branch/", views_teams.TeamBranchView.as_view(), name="team_branch"),
    path("teams/<int:pk>/families/", views_teams.TeamFamiliesView.as_view(), name="team_families"),
    path("duty/", views_duty.DutyRosterView.as_view(), name="duty_roster"),
    path("duty/new/", views_duty.DutyShiftCreateView.as_view(), name="duty_new"),
    path("duty/bulk/", views_duty.DutyBulkView.as_view(), name="duty_bulk"),
    path("duty/mine/", views_duty.DutyMineView.as_view(), name="duty_mine"),
    path("duty/transport/", views_duty.DutyTransportView.as_view(), name="duty_transport"),
    path("duty/export.xlsx", views_duty.DutyExportView.as_view(), name="duty_export"),
    path("duty/<int:pk>/edit/", views_duty.DutyShiftEditView.as_view(), name="duty_edit"),
    path("duty/<int:pk>/void/", views_duty.DutyShiftVoidView.as_view(), name="duty_void"),
    path("applications/", views_applications.ApplicationListView.as_view(), name="application_list"),
    path("applications/new/", views_applications.ApplicationCreateView.as_view(), name="application_new"),
]
