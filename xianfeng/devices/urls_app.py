"""The offline field app: its shell, service worker, manifest and string catalogue (views_app.py)."""

app_name = "offline"
urlpatterns = []
