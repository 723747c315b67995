from django.urls import path

from . import views_figures

urlpatterns = [
    path("", views_figures.NeedFiguresView.as_view(), name="figures"),
]
