from django.urls import path

from . import views_pairing

urlpatterns = [
    path("", views_pairing.PairingListView.as_view(), name="pairing_list"),
    path("new/", views_pairing.PairingNewView.as_view(), name="pairing_new"),
    path("team/", views_pairing.PairingTeamView.as_view(), name="pairing_team"),
    path("compliance/", views_pairing.PairingComplianceView.as_view(), name="pairing_compliance"),
]
