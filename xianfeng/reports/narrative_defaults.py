"""The two templates a new installation starts with: a 工作总结 and a 工作纪实 in the style of the
seed articles ("累计服务基层群众30余万人次，上门服务特殊群众450余户", "足迹遍布17个乡镇（街道）").

Administrators edit them like any template; ``ensure_default_templates`` only adds the ones
missing by name, so running it again (a data migration, a deployment) never overwrites an edit.
"""

DEFAULT_TEMPLATES = [
    {
        "name": "工作总结（默认）",
        "kind": "summary",
        "is_default": True,
        "title": "党建引领服务基层群众工作总结（{期间}）",
        "body": "\n".join(
            [
                "{期间}，在上级党组织的坚强领导下，各基层党组织坚持“党建强、发展强”的工作思路，"
                "组织党员先锋队、志愿服务队深入基层一线，把服务送到群众家门口。",
                "服务成效持续显现。累计服务基层群众{服务人次:约}人次，服务群众{服务人数:约}人、"
                "{服务户数:约}户，开展集中服务活动{活动场次:约}场次，党员志愿者累计志愿服务{志愿服务时长:约}小时。",
                "服务覆盖面不断扩大。服务足迹遍布{覆盖乡镇}个乡镇（街道）、{覆盖村（社区）}个村（社区），"
                "统计范围内乡镇覆盖率{覆盖乡镇率}。",
                "重点服务特色鲜明。服务量居前的有：{主要服务类型:3:约}。",
                "严重精神障碍患者管理扎实推进。在册患者{项目:smd:registered}名，管理率{项目:smd:management_rate}，"
                "规范管理率{项目:smd:standard_management_rate}，面访率{项目:smd:face_to_face_rate}，"
                "规律服药率{项目:smd:regular_medication_rate}。",
                "下一步，我们将继续发挥党组织战斗堡垒作用和党员先锋模范作用，补齐服务短板，"
                "推动服务向未覆盖的乡镇和村（社区）延伸，让党旗在基层服务一线高高飘扬。",
            ]
        ),
    },
    {
        "name": "工作纪实",
        "kind": "record",
        "is_default": False,
        "title": "党旗飘在一线 服务送到身边——{期间}工作纪实",
        "body": "\n".join(
            [
                "{期间}，党员先锋队、医疗队和志愿服务队走村入户，上门服务、集中义诊、健康宣讲齐头并进，"
                "足迹遍布{覆盖乡镇}个乡镇（街道）、{覆盖村（社区）}个村（社区）。",
                "一组数字见证初心：累计服务基层群众{服务人次:约}人次，{服务人数:约}名群众受益，"
                "上门服务{服务户数:约}户家庭，开展集中服务{活动场次:约}场次。",
                "其中，{主要服务类型:3:约}，把专业、便捷的服务送到群众身边。",
                "精神卫生服务延伸到家。在管严重精神障碍患者{项目:smd:registered}名，"
                "面访率{项目:smd:face_to_face_rate}，病情稳定率{项目:smd:stable_rate}。",
                "党员志愿者累计奉献志愿服务{志愿服务时长:约}小时，用实际行动诠释了“党员讲党性，支部得民心”。",
            ]
        ),
    },
]


def ensure_default_templates(model=None) -> int:
    """Create the default templates missing by name; returns how many were created.

    ``model`` is the ReportTemplate class (a data migration passes its historical model)."""
    if model is None:
        from .models import ReportTemplate as model
    created = 0
    for spec in DEFAULT_TEMPLATES:
        defaults = {k: v for k, v in spec.items() if k != "name"}
        if spec["is_default"] and model.objects.filter(is_default=True).exists():
            defaults["is_default"] = False  # an administrator already chose the default
        _obj, was_created = model.objects.get_or_create(name=spec["name"], defaults=defaults)
        created += was_created
    return created
