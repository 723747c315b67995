"""Pages of the study items and completions, honours and outputs (and their org-page panel)."""

urlpatterns: list = []
