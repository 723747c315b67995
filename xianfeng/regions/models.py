from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.core.scoping import ScopeSpec

from . import codes


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")
        VILLAGE = "village", _("村")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True, validators=[codes.validate_code])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, db_index=True)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    name_norm = models.CharField(max_length=100, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)

    # Reference data: everyone signed in may read it. Changing follows region grants, and org
    # grants reach the regions their organizations serve.
    scope_spec = ScopeSpec(region_code="code", served_region="code", public_view=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def parent_code(self) -> str | None:
        return codes.parent_code(self.code)

    def ancestors(self):
        prefixes = [self.code[:n] for n in codes.LENGTHS if n < len(self.code)]
        return Region.objects.filter(code__in=prefixes).order_by("code")

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors()) + self.name
