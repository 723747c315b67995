"""Pages of 请战书, commando and outbound teams, 1-to-1 family pairing, duty rosters and front-line applications."""

urlpatterns: list = []
