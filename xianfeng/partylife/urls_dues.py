"""Pages of the party dues and party-building funds (and the dues import)."""

from django.urls import path

from . import views_dues, views_funds

urlpatterns: list = [
    path("dues/", views_dues.DuesView.as_view(), name="dues"),
    path("dues/year/", views_dues.DuesYearView.as_view(), name="dues_year"),
    path("dues/bulk/", views_dues.DuesBulkView.as_view(), name="dues_bulk"),
    path("dues/export/", views_dues.DuesExportView.as_view(), name="dues_export"),
    path("dues/member/", views_dues.DuesMemberView.as_view(), name="dues_member"),
    path("dues/member/rate/", views_dues.DuesRateView.as_view(), name="dues_rate"),
    path("dues/member/pay/", views_dues.DuesPayView.as_view(), name="dues_pay"),
    path("dues/payment/<int:pk>/void/", views_dues.DuesPaymentVoidView.as_view(), name="dues_payment_void"),
    path("funds/", views_funds.FundsView.as_view(), name="funds"),
    path("funds/budget/", views_funds.FundBudgetView.as_view(), name="fund_budget"),
    path("funds/expense/new/", views_funds.FundExpenseCreateView.as_view(), name="fund_expense_new"),
    path("funds/expense/<int:pk>/void/", views_funds.FundExpenseVoidView.as_view(), name="fund_expense_void"),
    path("funds/expense/<int:pk>/receipt/", views_funds.FundReceiptView.as_view(), name="fund_receipt"),
    path("funds/export/", views_funds.FundExportView.as_view(), name="fund_export"),
]
