"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

import itertools
import secrets

from xianfeng.accounts.models import ApiToken, Grant, User
from xianfeng.accounts.roles import Role
from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.core.tests.factories import GrantFactory, UserFactory

_serials = itertools.count(1)


def _user_in(world, relation, user, kind: str):
    """A user of the relation's org; OWN is the user under test. Users lie in no region."""
    if relation == OWN:
        return user
    if relation == IN_REGION:
        return None
    org = world.orgs.get(relation)
    if org is None:
        return None
    return UserFactory(
        org=org, username=f"matrix-{kind}-{relation}-{next(_serials)}", display_name=f"{LABELS[relation]}{kind}用户"
    )


def _account_marker(account) -> str:
    # The signed-in user's own name is in every page's header: it marks nothing.
    return "" if account.username.startswith("matrix-user-") else str(account)


@object_maker(User, marker=_account_marker)
def user(world, relation, user):
    return _user_in(world, relation, user, "账号")


def _grant_marker(grant) -> str:
    return _account_marker(grant.user)


@object_maker(Grant, marker=_grant_marker)
def grant(world, relation, user):
    holder = _user_in(world, relation, user, "授权")
    if holder is None:
        return None
    if relation == OWN:
        return holder.grants.first()
    return GrantFactory(user=holder, role=Role.MEMBER, org=holder.org)


@object_maker(ApiToken, marker=lambda token: token.name)
def api_token(world, relation, user):
    holder = _user_in(world, relation, user, "令牌")
    if holder is None:
        return None
    return ApiToken.objects.create(
        user=holder, name=f"{LABELS[relation]}令牌", key_hash=secrets.token_hex(32), prefix="matrix00"
    )
