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
