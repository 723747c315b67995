from django.urls import path

from . import views_roster, views_roster_swaps

# Included at /hotline/roster/ (hotline/urls.py, app_name "hotline").
urlpatterns = [
    path("", views_roster.RosterView.as_view(), name="roster"),
    path("generate/", views_roster.RosterGenerateView.as_view(), name="roster_generate"),
    path("shifts/new/", views_roster.ShiftCreateView.as_view(), name="shift_new"),
    path("shifts/<int:pk>/", views_roster.ShiftDetailView.as_view(), name="shift_detail"),
    path("shifts/<int:pk>/edit/", views_roster.ShiftEditView.as_view(), name="shift_edit"),
    path("shifts/<int:pk>/delete/", views_roster.ShiftDeleteView.as_view(), name="shift_delete"),
    path("shifts/<int:pk>/assign/", views_roster_swaps.AssignmentAddView.as_view(), name="assignment_add"),
    path("assignments/<int:pk>/delete/", views_roster_swaps.AssignmentRemoveView.as_view(), name="assignment_remove"),
    path("assignments/<int:pk>/swap/", views_roster_swaps.AssignmentSwapView.as_view(), name="assignment_swap"),
    path("swaps/", views_roster_swaps.SwapListView.as_view(), name="swap_list"),
    path("swaps/<int:pk>/approve/", views_roster_swaps.SwapApproveView.as_view(), name="swap_approve"),
    path("swaps/<int:pk>/reject/", views_roster_swaps.SwapRejectView.as_view(), name="swap_reject"),
    path("swaps/<int:pk>/withdraw/", views_roster_swaps.SwapWithdrawView.as_view(), name="swap_withdraw"),
]
