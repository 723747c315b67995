from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.models import TimeStampedModel
from xianfeng.core.scoping import ScopeSpec

PATH_SEPARATOR = "/"


def path_segment(pk: int) -> str:
    # Zero-padded so that ordering by path is depth-first in id order.
    return f"{pk:06d}{PATH_SEPARATOR}"


class Organization(TimeStampedModel):
    """A node of the organization tree. ``path`` is the materialized path of ids
    (``/000001/000004/``), so a subtree is one indexed ``path LIKE '/000001/%'``."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        TEMP_BRANCH = "temp_branch", _("临时党支部")
        GROUP = "group", _("党小组")
        DEPARTMENT = "department", _("科室/部门")
        WOMENS_FEDERATION = "womens_federation", _("妇联")
        SOCIAL_ORG = "social_org", _("社会组织")
        ALLIANCE = "alliance", _("联盟")

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    active_from = models.DateField(_("成立日期"), default=timezone.localdate)
    active_to = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolve_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("服务地区"), blank=True, related_name="organizations"
    )
    partners = models.ManyToManyField(
        "self",
        verbose_name=_("联盟成员"),
        blank=True,
        symmetrical=False,
        related_name="alliances",
        help_text=_("联盟类组织所联合的各方组织"),
    )
    name_norm = models.CharField(max_length=100, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)

    scope_spec = ScopeSpec(org_path="path", region_code="regions__code", region_multi=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count(PATH_SEPARATOR) - 2

    @property
    def is_active(self) -> bool:
        return self.active_to is None or self.active_to > timezone.localdate()

    def is_active_on(self, day) -> bool:
        return self.active_from <= day and (self.active_to is None or self.active_to > day)

    def audit_org_path(self) -> str:
        return self.path

    def ancestors(self):
        ids = [int(s) for s in self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1] if s]
        return Organization.objects.filter(pk__in=ids).order_by("path")

    def descendants(self, include_self: bool = False):
        qs = Organization.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)
