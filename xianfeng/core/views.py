"""View base classes that need no access rule: public pages and pages for anyone signed in.

Views that show business rows extend ``xianfeng.accounts.scoped_views`` instead, so that the
access matrix test can find what each one shows.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views import View


class PublicView(View):
    """Reachable without signing in (login page, language switch)."""

    public = True


class SignedInView(LoginRequiredMixin, View):
    """Any signed-in user; shows no business object."""


class HomeView(SignedInView):
    def get(self, request):
        return render(request, "core/home.html", {"grants": request.user.grants.filter(active=True)})
