"""What an SMD enrollment and its records hold (typed fields, programs/fields.py) and the
program's settings.

The follow-up fields are those of the national 严重精神障碍患者随访服务记录表 (规范 附件), keyed as
agreed for imports and the API; the form of the follow-up (门诊 / 入户 / 电话 / 联合) is the
service type it is recorded as, not a field.
"""

from django.utils.translation import gettext_lazy as _

from ..registry import SettingSpec
from . import diagnoses
from .rules import RISK_LEVELS, STABILITY_CHOICES

ENROLLMENT_FIELDS = (
    {"key": "diagnosis", "label": _("诊断"), "kind": "choice", "required": True, "choices": diagnoses.choices()},
    {"key": "diagnosed_on", "label": _("确诊日期"), "kind": "date", "required": False},
    {"key": "diagnosed_by", "label": _("确诊医院"), "kind": "text", "required": False, "max_length": 100},
    {"key": "guardian", "label": _("监护人"), "kind": "text", "required": False, "max_length": 50},
)

NOT_REACHED_REASONS = [
    ["moved", _("迁居")],
    ["away", _("外出")],
    ["refused", _("拒访")],
    ["unknown", _("查无此人")],
    ["other", _("其他")],
]
SYMPTOMS = [
    ["hallucination", _("幻觉")],
    ["communication", _("交流困难")],
    ["suspicion", _("猜疑")],
    ["moody", _("喜怒无常")],
    ["odd_behaviour", _("行为怪异")],
    ["talkative", _("兴奋话多")],
    ["violence", _("伤人毁物")],
    ["pessimism", _("悲观厌世")],
    ["wandering", _("无故外走")],
    ["self_talk", _("自语自笑")],
    ["withdrawn", _("孤僻懒散")],
    ["other", _("其他")],
]
DANGEROUS_BEHAVIOUR = [
    ["mild_trouble", _("轻度滋事")],
    ["trouble", _("肇事")],
    ["disaster", _("肇祸")],
    ["other_harm", _("其他危害行为")],
    ["self_harm", _("自伤")],
    ["suicide_attempt", _("自杀未遂")],
]
PARTICIPANT_ROLES = [
    ["police", _("公安")],
    ["committee", _("村（居）委会")],
    ["family", _("家属")],
    ["doctor", _("医生")],
]

# Fields that describe the patient as seen: absent when the follow-up did not reach them.
CLINICAL = (
    "risk_level",
    "symptoms",
    "insight",
    "social_function",
    "dangerous_behaviour",
    "locked",
    "hospitalized",
    "medication",
    "side_effects",
    "serious_condition",
    "treatment_effect",
    "referral",
    "referral_reason",
    "stability",
)

FOLLOWUP_FIELDS = (
    {"key": "reached", "label": _("见到本人"), "kind": "boolean", "required": False, "default": True},
    {
        "key": "not_reached_reason",
        "label": _("未访到原因"),
        "kind": "choice",
        "required": False,
        "choices": NOT_REACHED_REASONS,
    },
    {"key": "risk_level", "label": _("危险性评估"), "kind": "choice", "required": False, "choices": list(RISK_LEVELS)},
    {"key": "symptoms", "label": _("目前症状"), "kind": "multichoice", "required": False, "choices": SYMPTOMS},
    {
        "key": "insight",
        "label": _("自知力"),
        "kind": "choice",
        "required": False,
        "choices": [["full", _("自知力完全")], ["partial", _("自知力不全")], ["none", _("自知力缺失")]],
    },
    {
        "key": "social_function",
        "label": _("社会功能"),
        "kind": "choice",
        "required": False,
        "choices": [["good", _("良好")], ["fair", _("一般")], ["poor", _("较差")]],
    },
    {
        "key": "dangerous_behaviour",
        "label": _("危险行为（上次随访以来）"),
        "kind": "multichoice",
        "required": False,
        "choices": DANGEROUS_BEHAVIOUR,
    },
    {
        "key": "locked",
        "label": _("关锁情况"),
        "kind": "choice",
        "required": False,
        "choices": [["none", _("无关锁")], ["locked", _("关锁")], ["released", _("关锁已解除")]],
    },
    {
        "key": "hospitalized",
        "label": _("住院情况"),
        "kind": "choice",
        "required": False,
        "choices": [
            ["never", _("从未住院")],
            ["currently", _("目前正在住院")],
            ["previously", _("既往住院，现未住院")],
        ],
    },
    {
        "key": "medication",
        "label": _("服药依从性"),
        "kind": "choice",
        "required": False,
        "choices": [
            ["regular", _("规律")],
            ["intermittent", _("间断")],
            ["none", _("不服药")],
            ["not_required", _("医嘱无须服药")],
        ],
    },
    {"key": "side_effects", "label": _("药物不良反应"), "kind": "boolean", "required": False},
    {
        "key": "serious_condition",
        "label": _("严重药物不良反应或严重躯体疾病"),
        "kind": "boolean",
        "required": False,
    },
    {
        "key": "treatment_effect",
        "label": _("治疗效果"),
        "kind": "choice",
        "required": False,
        "choices": [["cured", _("痊愈")], ["good", _("好转")], ["fair", _("无变化")], ["poor", _("加重")]],
    },
    {"key": "referral", "label": _("转诊"), "kind": "boolean", "required": False},
    {"key": "referral_reason", "label": _("转诊原因及机构"), "kind": "text", "required": False, "max_length": 200},
    {
        "key": "stability",
        "label": _("病情分类"),
        "kind": "choice",
        "required": False,
        "choices": list(STABILITY_CHOICES),
    },
    {
        "key": "participants",
        "label": _("参与人员"),
        "kind": "people",
        "required": False,
        "choices": PARTICIPANT_ROLES,
    },
)

EXAM_FIELDS = (
    {"key": "consent", "label": _("本人或监护人同意体检"), "kind": "boolean", "required": True},
    {
        "key": "result",
        "label": _("检查结果"),
        "kind": "choice",
        "required": False,
        "choices": [["normal", _("未见异常")], ["abnormal", _("异常")], ["referred", _("已转诊")]],
    },
    {"key": "findings", "label": _("主要发现"), "kind": "text", "required": False, "max_length": 300},
)

EMERGENCY_FIELDS = (
    {"key": "event", "label": _("事件经过"), "kind": "text", "required": True, "max_length": 300},
    {"key": "measures", "label": _("处置措施"), "kind": "text", "required": True, "max_length": 300},
    {
        "key": "outcome",
        "label": _("处置结果"),
        "kind": "choice",
        "required": True,
        "choices": [
            ["calmed", _("已平复，居家观察")],
            ["admitted", _("送医住院")],
            ["police", _("移交公安")],
            ["other", _("其他")],
        ],
    },
    {"key": "referral", "label": _("转诊"), "kind": "boolean", "required": False},
)

SETTINGS = (
    SettingSpec("stable_months", _("病情稳定：随访间隔（月）"), 3, min=1, max=12),
    SettingSpec("observe_days", _("基本稳定：观察期（天）"), 14, min=1, max=90),
    SettingSpec(
        "unsettled_days",
        _("观察后仍未稳定：再次随访（天）"),
        14,
        min=1,
        max=90,
        help=_("国家基本公共卫生服务规范（第三版）为“1个月时随访”，可改为30"),
    ),
    SettingSpec("unstable_days", _("病情不稳定：随访时限（天）"), 14, min=1, max=90),
    SettingSpec("retry_days", _("未访到：再次随访时限（天）"), 14, min=1, max=90),
    SettingSpec("first_days", _("新纳入患者：首次随访时限（天）"), 14, min=0, max=90),
    SettingSpec("discharge_days", _("出院后：随访时限（天）"), 14, min=1, max=90),
    SettingSpec("lost_after", _("连续几次未访到记为失访"), 3, min=1, max=12),
    SettingSpec(
        "min_followups_per_year",
        _("每年至少随访次数"),
        4,
        min=1,
        max=24,
        help=_("稳定患者的随访间隔不会长到一年少于此次数"),
    ),
    SettingSpec("exam_interval_months", _("健康体检间隔（月）"), 12, min=1, max=36, affects_due=False),
)
