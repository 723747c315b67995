from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .masking import mask_id_number, mask_phone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Gender(models.TextChoices):
    """As GB 11643 encodes it (odd 17th digit: male); core.idnumber derives it."""

    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MaskedPersonalData:
    """Masked forms of a model's encrypted ``id_number`` and ``phone`` for lists and exports."""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class PlaceCodes(models.Model):
    """A row's place as region codes at each level (village 12, township 9, county 6 digits), as it
    was on the day (DESIGN.md §4.10): scope filters and rollups are equalities on these columns."""

    village_code = models.CharField(_("村代码"), max_length=12, blank=True)
    township_code = models.CharField(_("乡镇代码"), max_length=9, blank=True)
    county_code = models.CharField(_("县代码"), max_length=6, blank=True)

    class Meta:
        abstract = True

    def set_place(self, code: str) -> None:
        """Fill the per-level codes from the most precise code known ('' for no place)."""
        code = code or ""
        self.village_code = code if len(code) == 12 else ""
        self.township_code = code[:9] if len(code) >= 9 else ""
        self.county_code = code[:6] if len(code) >= 6 else ""

    @property
    def place_code(self) -> str:
        return self.village_code or self.township_code or self.county_code


class VoidableQuerySet(models.QuerySet):
    def live(self):
        """The rows that count: not voided."""
        return self.filter(voided_at__isnull=True)


class VoidableModel(models.Model):
    """A counted fact (DESIGN.md §2, §4.10): never deleted, voided with a reason. Voided rows
    leave every count and stay readable in the audit and on their own page."""

    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    objects = VoidableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
