"""URLs of the indicators page (composed in urls.py under /programs/indicators/)."""

from django.urls import path

from . import views_indicators

urlpatterns = [
    path("", views_indicators.IndicatorsView.as_view(), name="indicators"),
]
