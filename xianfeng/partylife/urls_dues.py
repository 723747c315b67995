"""Pages of the party dues and party-building funds (and the dues import)."""

urlpatterns: list = []
