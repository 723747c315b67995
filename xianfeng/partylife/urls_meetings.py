"""Pages of the 三会一课, attendance, the compliance calendar and its rules, past-meeting imports."""

urlpatterns: list = []
