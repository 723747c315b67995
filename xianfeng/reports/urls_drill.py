from django.urls import path

from . import views_drill, views_family_drill

urlpatterns = [
    path("<slug:key>/", views_drill.DrillView.as_view(), name="drill"),
    # A figure of a family other apps register (families.py): hotline, needs.
    path("<slug:family>/<slug:key>/", views_family_drill.FamilyDrillView.as_view(), name="family_drill"),
]
