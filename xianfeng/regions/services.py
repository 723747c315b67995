from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.text import normalize_name, pinyin_initials

from . import codes
from .models import Region


def region_search_fields(region: Region) -> None:
    region.name_norm = normalize_name(region.name)[:100]
    region.name_initials = pinyin_initials(region.name)[:50]


def region_build(code: str, name: str, population: int | None = None) -> Region:
    """An unsaved Region with level and search fields filled in (for bulk loads)."""
    region = Region(code=code, name=name.strip(), level=codes.level_of(code), population=population)
    region_search_fields(region)
    return region


@transaction.atomic
def region_update(*, acting_user, region: Region, name: str, population: int | None) -> Region:
    region = Region.objects.select_for_update().get(pk=region.pk)
    ensure_in_scope(acting_user, region, CHANGE)
    before = snapshot(region)
    if not name.strip():
        raise ValidationError({"name": _("名称不能为空")})
    region.name = name.strip()
    region.population = population
    region_search_fields(region)
    region.full_clean()
    region.save()
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=region, before=before, after=snapshot(region)
    )
    return region
