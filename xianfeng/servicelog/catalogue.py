"""The service-type catalogue as shipped: every kind of service the seed articles name.

Loaded by migration 0002 (as regions load their shipped list). Codes are stable (figures and the
API use them); names, units and levels may be edited by an administrator afterwards. Health types
(psychiatric follow-ups, screenings, hotline calls) are visible only to roles holding the health
level (DESIGN.md §3).
"""

SCREEN = [
    {
        "key": "result",
        "label": "筛查结果",
        "kind": "choice",
        "required": True,
        "choices": [["negative", "阴性"], ["positive", "阳性"], ["referred", "已转诊"]],
    }
]
EXAM = [
    {
        "key": "result",
        "label": "检查结果",
        "kind": "choice",
        "required": False,
        "choices": [["normal", "未见异常"], ["abnormal", "异常"], ["referred", "已转诊"]],
    }
]
FOLLOW_UP = [
    {
        "key": "stability",
        "label": "病情",
        "kind": "choice",
        "required": False,
        "choices": [["stable", "稳定"], ["basically_stable", "基本稳定"], ["unstable", "不稳定"]],
    },
    {
        "key": "risk_level",
        "label": "危险性评估（0–5级）",
        "kind": "choice",
        "required": False,
        "choices": [[str(n), f"{n}级"] for n in range(6)],
    },
    {"key": "medication", "label": "按医嘱服药", "kind": "boolean", "required": False},
]
DIAGNOSIS = [
    {
        "key": "diagnosis",
        "label": "诊断",
        "kind": "choice",
        "required": True,
        "choices": [
            ["schizophrenia", "精神分裂症"],
            ["schizoaffective", "分裂情感性障碍"],
            ["paranoid", "偏执性精神病"],
            ["bipolar", "双相（情感）障碍"],
            ["epilepsy", "癫痫所致精神障碍"],
            ["intellectual", "精神发育迟滞伴发精神障碍"],
        ],
    }
]
CALL = [{"key": "minutes", "label": "通话时长（分钟）", "kind": "integer", "required": False, "min": 0, "max": 600}]
REFERRAL = [{"key": "destination", "label": "转往机构", "kind": "text", "required": False, "max_length": 100}]

P, H, E, C, J, T, R, S, Y, K, HR, PC = "人次", "户", "场次", "份", "件", "册", "套", "条", "片次", "元", "公里", "小时"

# code, name, category, unit, counts 人次, subject, health, default hours, result fields
CATALOGUE = [
    ("medicine_delivery", "送药上门", "medical", P, True, "resident", False, "1.0", []),
    ("free_medicine", "免费发药", "medical", P, True, "any", False, "0.5", []),
    ("free_clinic", "义诊", "medical", P, True, "none", False, "0.5", []),
    ("health_consult", "健康咨询", "medical", P, True, "none", False, "0.5", []),
    ("sleep_tcm", "睡眠医学与中医服务", "medical", P, True, "none", False, "0.5", []),
    ("home_nursing_edu", "居家护理指导", "medical", P, True, "any", False, "1.0", []),
    ("green_channel", "绿色通道入院", "medical", P, True, "resident", True, "2.0", []),
    ("referral_escort", "转诊护送", "medical", P, True, "resident", True, "2.0", REFERRAL),
    ("physical_exam", "健康体检", "screening", P, True, "resident", False, "0.5", EXAM),
    ("vision_hearing", "视力听力检查", "screening", P, True, "resident", False, "0.3", EXAM),
    ("psych_screen_school", "校园心理筛查", "screening", P, True, "none", True, "0.3", SCREEN),
    ("psych_screen_pregnancy", "孕产妇心理筛查", "screening", P, True, "resident", True, "0.3", SCREEN),
    ("psych_screen_elderly", "老年人认知与抑郁筛查", "screening", P, True, "resident", True, "0.3", SCREEN),
    ("smd_screening", "疑似严重精神障碍筛查", "screening", P, True, "resident", True, "0.5", SCREEN),
    ("followup_clinic", "门诊随访", "mental", P, True, "resident", True, "0.5", FOLLOW_UP),
    ("followup_home", "入户随访", "mental", P, True, "resident", True, "1.0", FOLLOW_UP),
    ("followup_phone", "电话随访", "mental", P, True, "resident", True, "0.2", FOLLOW_UP),
    ("joint_followup", "联合随访（公安、村居委）", "mental", P, True, "resident", True, "1.0", FOLLOW_UP),
    ("new_diagnosis", "新发确诊", "mental", P, True, "resident", True, "1.0", DIAGNOSIS),
    ("psych_intervention", "心理危机干预", "mental", P, True, "any", True, "1.0", []),
    ("counselling", "心理咨询", "mental", P, True, "none", True, "1.0", []),
    ("hotline_call", "心理援助热线", "mental", P, True, "none", True, "0.3", CALL),
    ("online_consult", "线上心理服务", "mental", P, True, "none", True, "0.3", []),
    ("emergency_handling", "应急处置", "emergency", P, True, "any", True, "2.0", []),
    ("duty_shift", "志愿值守", "emergency", PC, False, "none", False, "4.0", []),
    ("health_lecture", "健康讲座", "education", E, False, "none", False, "2.0", []),
    ("leaflet", "发放宣传资料", "education", C, False, "none", False, "1.0", []),
    ("booklet", "发放健康手册", "education", T, False, "none", False, "1.0", []),
    ("video_show", "播放健康宣传片", "education", Y, False, "none", False, "1.0", []),
    ("wechat_article", "微信公众号推文", "education", S, False, "none", False, "1.0", []),
    ("training_exchange", "乡镇卫生院培训交流", "education", E, False, "none", False, "2.0", []),
    ("household_visit", "入户走访", "survey", H, True, "household", False, "0.5", []),
    ("phone_survey", "电话走访", "survey", H, True, "household", False, "0.2", []),
    ("errands", "代办代购", "assistance", P, True, "any", False, "1.0", []),
    ("meal_delivery", "送餐上门", "assistance", C, True, "any", False, "0.5", []),
    ("family_support", "一线人员家属帮扶", "assistance", H, True, "household", False, "1.0", []),
    ("produce_sales", "助农销售", "assistance", K, False, "none", False, "2.0", []),
    ("transport", "车辆接送", "assistance", HR, False, "any", False, "1.0", []),
    ("donation_goods", "捐赠物资发放", "materials", J, False, "none", False, "1.0", []),
    ("donation_money", "捐款", "materials", K, False, "none", False, "0.0", []),
    ("mask_distribution", "发放口罩", "materials", J, False, "none", False, "1.0", []),
    ("health_kit", "发放健康包", "materials", R, False, "none", False, "1.0", []),
    # Issue 12 (materials): what a distribution of books or of an assistive device counts as.
    ("book_donation", "图书捐赠", "materials", T, False, "none", False, "0.5", []),
    ("assistive_device", "辅助器具发放", "assistance", J, True, "any", False, "1.0", []),
]


def add_missing(service_type_model) -> int:
    """Create the shipped types a database does not have yet, leaving edited ones as they are
    (a later release's migration adds its new types without undoing an administrator's edits)."""
    known = set(service_type_model.objects.values_list("code", flat=True))
    missing = [row for row in CATALOGUE if row[0] not in known]
    for code, name, category, unit, person_time, subject, health, hours, results in missing:
        order = next(i for i, row in enumerate(CATALOGUE) if row[0] == code)
        service_type_model.objects.create(
            code=code,
            name=name,
            category=category,
            unit=unit,
            counts_person_time=person_time,
            subject=subject,
            sensitivity=2 if health else 0,
            default_hours=hours,
            result_fields=results,
            sort_order=(order + 1) * 10,
        )
    return len(missing)


def load_catalogue(service_type_model) -> int:
    """Create or refresh the shipped types (by code) on the given model class; returns how many."""
    for order, (code, name, category, unit, person_time, subject, health, hours, results) in enumerate(CATALOGUE):
        service_type_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "unit": unit,
                "counts_person_time": person_time,
                "subject": subject,
                "sensitivity": 2 if health else 0,
                "default_hours": hours,
                "result_fields": results,
                "sort_order": (order + 1) * 10,
            },
        )
    return len(CATALOGUE)
