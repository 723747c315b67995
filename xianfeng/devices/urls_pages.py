urlpatterns = []  # the device list, detail and revoke pages (views_pages.py)
