from django.urls import path

from . import views, views_distributions, views_ledger, views_receipts

app_name = "materials"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("items/", views.ItemListView.as_view(), name="item_list"),
    path("items/new/", views.ItemCreateView.as_view(), name="item_new"),
    path("items/<int:pk>/edit/", views.ItemEditView.as_view(), name="item_edit"),
    path("receipts/", views_receipts.ReceiptListView.as_view(), name="receipt_list"),
    path("receipts/new/", views_receipts.ReceiptCreateView.as_view(), name="receipt_new"),
    path("receipts/<int:pk>/", views_receipts.ReceiptDetailView.as_view(), name="receipt_detail"),
    path("receipts/<int:pk>/void/", views_receipts.ReceiptVoidView.as_view(), name="receipt_void"),
    path("distributions/", views_distributions.DistributionListView.as_view(), name="distribution_list"),
    path("distributions/new/", views_distributions.DistributionCreateView.as_view(), name="distribution_new"),
    path(
        "distributions/export.xlsx",
        views_distributions.DistributionExportView.as_view(),
        name="distribution_export",
    ),
    path("distributions/<int:pk>/", views_distributions.DistributionDetailView.as_view(), name="distribution_detail"),
    path("distributions/<int:pk>/void/", views_distributions.DistributionVoidView.as_view(), name="distribution_void"),
    path("ledger/", views_ledger.LedgerView.as_view(), name="ledger"),
    path("ledger.xlsx", views_ledger.LedgerXlsxView.as_view(), name="ledger_xlsx"),
]
