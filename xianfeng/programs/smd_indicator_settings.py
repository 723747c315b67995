"""The open definitions of the severe mental disorder indicators (DESIGN.md §2).

国家基本公共卫生服务规范（第三版）defines 规范管理率, 面访率 and 体检率 only in outline; a
deployment chooses the exact rule here (programs:settings, audited) and the indicators page
prints the chosen rule beside each figure. None of them moves a due date (affects_due=False).
The smd program includes them: ``settings = (...) + INDICATOR_SETTINGS``.
"""

from django.utils.translation import gettext_lazy as _

from .registry import SettingSpec

YES, NO = "yes", "no"
YES_NO = ((YES, _("是")), (NO, _("否")))
REGISTERED, AT_HOME = "registered", "at_home"

INDICATOR_SETTINGS = (
    SettingSpec(
        "standard_min_followups",
        _("规范管理：每年至少随访次数"),
        4,
        min=1,
        max=24,
        help=_("一年内见到本人的随访达到此次数的在册患者计为规范管理（规范要求每年至少4次）"),
        affects_due=False,
    ),
    SettingSpec(
        "standard_prorate",
        _("规范管理：期间不足一年时按天数折算次数"),
        YES,
        kind="choice",
        choices=YES_NO,
        help=_("是：季度要求1次、半年2次；否：任何期间都要求全年次数"),
        affects_due=False,
    ),
    SettingSpec(
        "face_joint_counts",
        _("面访率：联合随访计为面访"),
        YES,
        kind="choice",
        choices=YES_NO,
        help=_("与公安、村（居）委会联合上门的随访是否算作面访"),
        affects_due=False,
    ),
    SettingSpec(
        "exam_denominator",
        _("体检率的分母"),
        REGISTERED,
        kind="choice",
        choices=((REGISTERED, _("在册患者")), (AT_HOME, _("在册居家患者（不含期末住院者）"))),
        affects_due=False,
    ),
)

INDICATOR_DEFAULTS = {spec.key: spec.default for spec in INDICATOR_SETTINGS}
