from django.urls import path

from . import views_snapshots as views

# Publishing is a POST to an address ending in "export": it needs 导出 (access table 表四), the
# permission that lets a reader take figures out as an official copy.
urlpatterns = [
    path("", views.SnapshotListView.as_view(), name="snapshots"),
    path("export/", views.SnapshotPublishView.as_view(), name="snapshot_publish"),
    path("<int:pk>/", views.SnapshotDetailView.as_view(), name="snapshot_detail"),
    path("<int:pk>/verify/", views.SnapshotVerifyView.as_view(), name="snapshot_verify"),
]
