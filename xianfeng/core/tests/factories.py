"""Factories for tests. They write rows directly (not through services) to set up a world;
the behaviour under test always goes through services and views."""

import factory
from django.utils import timezone

from xianfeng.accounts.models import Grant, User
from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.orgs.models import PATH_SEPARATOR, Organization, path_segment


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = Organization.Kind.BRANCH
    parent = None
    active_from = factory.LazyFunction(lambda: timezone.localdate().replace(year=2020))
    path = factory.Sequence(lambda n: f"pending-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        org = super()._create(model_class, *args, **kwargs)
        org.path = (org.parent.path if org.parent else PATH_SEPARATOR) + path_segment(org.pk)
        org.name_norm = normalize_name(org.name)
        org.name_initials = pinyin_initials(org.name)
        org.save(update_fields=["path", "name_norm", "name_initials"])
        return org


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    must_change_password = False
    password = factory.PostGenerationMethodCall("set_password", "Xianfeng-test-1")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    user = factory.SubFactory(UserFactory)
    role = Role.CLERK
    scope = Scope.ORG_SUBTREE
    org = None


def user_with_grant(role: str, scope: str = Scope.ORG_SUBTREE, org=None, region_prefixes: str = "", **user_kwargs):
    user = UserFactory(org=org, **user_kwargs)
    GrantFactory(
        user=user,
        role=role,
        scope=scope,
        org=org if scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) else None,
        region_prefixes=region_prefixes,
    )
    return user
