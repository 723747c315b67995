"""The sidebar: one entry per module, shown only when the user may use it."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import role_allows
from .scoping import active_grants

# (url name, label, icon, permission or None for everyone signed in)
MODULES = [
    ("core:home", _("工作台"), "speedometer2", None),
    ("orgs:list", _("组织"), "diagram-3", "orgs.view"),
    ("members:list", _("人员"), "person-badge", "members.view"),
    ("teams:list", _("队伍与岗区"), "people-fill", "teams.view"),
    ("residents:list", _("居民"), "person-vcard", "residents.view"),
    ("servicelog:quick", _("快速登记"), "lightning-charge", "servicelog.change"),
    ("servicelog:record_list", _("服务记录"), "journal-check", "servicelog.view"),
    ("servicelog:activity_list", _("活动"), "calendar-event", "servicelog.view"),
    ("servicelog:hours", _("志愿服务时长"), "clock-history", "servicelog.view"),
    ("servicelog:type_list", _("服务类型"), "tags", "servicetypes.change"),
    ("programs:index", _("随访与帮扶"), "clipboard2-pulse", "programs.view"),
    ("programs:worklist", _("待办随访"), "list-check", "programs.view"),
    ("programs:pairing_list", _("结对帮扶"), "people", "programs.view"),
    ("hotline:call_list", _("热线来电"), "telephone", "hotline.view"),
    ("hotline:roster", _("值守排班"), "calendar-week", "hotlineroster.view"),
    ("needs:list", _("民情台账"), "card-checklist", "needs.view"),
    ("materials:index", _("物资与捐赠"), "box-seam", "materials.view"),
    ("partylife:index", _("组织生活"), "flag", "partylife.view"),
    ("partylife:study_list", _("学习"), "book", "study.view"),
    ("partylife:dues", _("党费"), "cash-coin", "dues.view"),
    ("partylife:funds", _("党建经费"), "wallet2", "funds.view"),
    ("emergencies:list", _("应急指挥"), "exclamation-octagon", "emergencies.view"),
    # Issue 14: the offline field app (a phone page of its own) and the devices that keep it.
    ("offline:app", _("离线外勤"), "phone", "servicelog.change"),
    ("devices:list", _("离线设备"), "phone-vibrate", "devices.view"),
    ("reports:dashboard", _("统计看板"), "speedometer2", "reports.view"),
    ("hotline:dashboard", _("热线看板"), "telephone-inbound", "reports.view"),
    ("programs:indicators", _("项目指标"), "bar-chart-line", "reports.view"),
    ("programs:settings", _("项目设置"), "sliders", "programsettings.change"),
    ("regions:list", _("行政区划"), "geo-alt", None),
    ("imports:list", _("导入"), "upload", "imports.view"),
    ("accounts:user_list", _("用户与授权"), "people", "accounts.view"),
    ("audit:changes", _("审计日志"), "shield-check", "audit.view"),
    # Issue 15: 系统状态 (the view itself requires is_administrator: an ADMIN grant over 全部).
    ("health:status", _("系统状态"), "activity", "health.view"),
]


def _allowed(user, permission: str | None) -> bool:
    if permission is None or user.is_superuser:
        return True
    return any(role_allows(g.role, permission) for g in active_grants(user))


@lru_cache(maxsize=1)
def _module_urls() -> dict[str, str | None]:
    """Each module's URL, reversed once per process (the URLconf does not change while serving)."""
    urls = {}
    for url_name, _label, _icon, _permission in MODULES:
        try:
            urls[url_name] = reverse(url_name)
        except NoReverseMatch:
            urls[url_name] = None  # a module not installed in this deployment
    return urls


@receiver(setting_changed)
def _forget_module_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _module_urls.cache_clear()


@lru_cache(maxsize=1)
def _shared_namespaces() -> set[str]:
    prefixes = [url_name.split(":")[0] for url_name, *_rest in MODULES]
    return {p for p in prefixes if prefixes.count(p) > 1}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_modules": []}
    items = []
    urls = _module_urls()
    shared = _shared_namespaces()
    for url_name, label, icon, permission in MODULES:
        url = urls[url_name]
        if url is None or not _allowed(user, permission):
            continue
        app_prefix = url_name.split(":")[0]
        active = request.resolver_match is not None and request.resolver_match.namespace == app_prefix
        if active and app_prefix in shared:  # several entries of one app: the longest address that matches
            matching = [
                u for n, u in urls.items() if u and n.split(":")[0] == app_prefix and request.path.startswith(u)
            ]
            active = bool(matching) and url == max(matching, key=len)
        items.append({"url": url, "label": label, "icon": icon, "active": active})
    return {"nav_modules": items}
