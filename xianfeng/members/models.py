from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.core.fields import BlindIndexField, EncryptedTextField, PhoneTailField
from xianfeng.core.models import Gender, MaskedPersonalData, TimeStampedModel
from xianfeng.core.scoping import ScopeSpec

from .pipeline import Stage, Step


class Member(MaskedPersonalData, TimeStampedModel):
    """A person who serves: party member at any stage, volunteer or staff."""

    Gender = Gender

    class Category(models.TextChoices):
        STAFF = "staff", _("职工")
        VOLUNTEER = "volunteer", _("志愿者")
        OTHER = "other", _("其他")

    class Education(models.TextChoices):
        DOCTORATE = "doctorate", _("博士研究生")
        MASTER = "master", _("硕士研究生")
        BACHELOR = "bachelor", _("大学本科")
        COLLEGE = "college", _("大学专科")
        SECONDARY = "secondary", _("中专/高中")
        BASIC = "basic", _("初中及以下")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_index = BlindIndexField(source="id_number", purpose="member.id_number")
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = BlindIndexField(source="phone", purpose="member.phone")
    phone_last4 = PhoneTailField(source="phone", db_index=True)  # picker search; masking shows it anyway
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    title = models.CharField(_("职称/职务"), max_length=50, blank=True)
    department = models.CharField(_("科室/单位"), max_length=50, blank=True)
    branch = models.ForeignKey(
        "orgs.Organization", verbose_name=_("所属支部/组织"), on_delete=models.PROTECT, related_name="members"
    )
    category = models.CharField(_("人员类别"), max_length=20, choices=Category.choices, default=Category.STAFF)
    volunteer_no = models.CharField(_("志愿者编号"), max_length=20, blank=True, db_index=True)
    photo = models.FileField(
        _("照片"),
        upload_to="members/photos/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    party_stage = models.CharField(_("政治面貌"), max_length=20, choices=Stage.choices, default=Stage.NONE)
    next_step = models.CharField(_("下一步"), max_length=20, choices=Step.choices, blank=True)
    next_due_on = models.DateField(_("截止日期"), null=True, blank=True, db_index=True)
    note = models.TextField(_("备注"), blank=True)
    name_norm = models.CharField(max_length=50, db_index=True, editable=False)
    name_initials = models.CharField(max_length=30, db_index=True, editable=False)

    scope_spec = ScopeSpec(org_path="branch__path", owner="user")

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["branch__path", "name_initials", "id"]
        indexes = [models.Index(fields=["party_stage", "next_due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index=""),
                name="member_unique_id_number",
                violation_error_message=_("该身份证号已登记为其他人员"),
            ),
            models.UniqueConstraint(
                fields=["volunteer_no"],
                condition=~Q(volunteer_no=""),
                name="member_unique_volunteer_no",
                violation_error_message=_("该志愿者编号已被使用"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.branch.path

    @property
    def public_id(self) -> str:
        """What is printed: the volunteer number for volunteers, else the masked ID number."""
        return self.volunteer_no or self.id_number_masked

    @property
    def is_party_member(self) -> bool:
        return self.party_stage in (Stage.PROBATIONARY, Stage.FULL)


class PartyStep(models.Model):
    """One dated step of a member's way into the Party. History is kept across transfers."""

    member = models.ForeignKey(Member, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="party_steps")
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    on_date = models.DateField(_("日期"))
    branch = models.ForeignKey(
        "orgs.Organization", verbose_name=_("办理支部"), on_delete=models.PROTECT, related_name="+"
    )
    introducers = models.CharField(_("入党介绍人"), max_length=100, blank=True, help_text=_("两人，用顿号分隔"))
    extension_months = models.PositiveSmallIntegerField(_("延长月数"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_spec = ScopeSpec(org_path="member__branch__path", owner="member__user")

    class Meta:
        verbose_name = _("发展党员环节")
        verbose_name_plural = _("发展党员环节")
        ordering = ["on_date", "id"]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_step_display()} · {self.on_date}"

    def audit_org_path(self) -> str:
        return self.member.branch.path

    @property
    def introducer_list(self) -> tuple[str, ...]:
        return tuple(split_names(self.introducers))


def split_names(text: str) -> list[str]:
    for mark in ("，", ",", "；", ";", "/", " "):
        text = text.replace(mark, "、")
    return [n.strip() for n in text.split("、") if n.strip()]


class MemberTransfer(models.Model):
    """A move between branches (组织关系转接). The member's steps stay with the member."""

    member = models.ForeignKey(Member, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="transfers")
    from_branch = models.ForeignKey(
        "orgs.Organization", verbose_name=_("转出组织"), on_delete=models.PROTECT, related_name="+"
    )
    to_branch = models.ForeignKey(
        "orgs.Organization", verbose_name=_("转入组织"), on_delete=models.PROTECT, related_name="+"
    )
    on_date = models.DateField(_("转接日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_spec = ScopeSpec(org_path="member__branch__path", owner="member__user")

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["on_date", "id"]

    def __str__(self) -> str:
        return f"{self.member}：{self.from_branch} → {self.to_branch}"

    def audit_org_path(self) -> str:
        return self.to_branch.path
