"""Reads for accounts pages."""

from django.db.models import QuerySet

from .models import ApiToken, User
from .scoping import VIEW, scoped


def own_api_tokens(*, user: User) -> QuerySet:
    """The signed-in user's own API tokens, newest first (a token is always its owner's)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_tokens_of(*, acting_user: User, user: User) -> QuerySet:
    """Another user's tokens, as far as ``acting_user`` may see them (the user detail page)."""
    return scoped(acting_user, ApiToken, VIEW).filter(user=user).order_by("-created_at", "-pk")


def username_taken(username: str) -> bool:
    """Whether a login name is in use anywhere: login names are unique across the whole system,
    so a new user's name is checked against every account (the name alone reveals nothing else)."""
    return User.objects.filter(username__iexact=username).exists()
