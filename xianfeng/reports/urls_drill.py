from django.urls import path

from . import views_drill

urlpatterns = [
    path("<slug:key>/", views_drill.DrillView.as_view(), name="drill"),
]
