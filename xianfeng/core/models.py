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
