"""How long each kind of stored record is kept, in one place (DESIGN.md §3: "uploaded files are
encrypted at rest and deleted after a retention period"; issue 15 §4).

Each policy names its setting and, when something deletes it, the function the nightly retention
run calls (``xianfeng.audit.tasks.run_retention``) and the field that records the deletion. Paths
are dotted strings so that ``core`` imports no domain app. A policy without days is kept for good,
and says why. The audit archive page (/audit/archives/) lists this table.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RetentionPolicy:
    key: str
    label: str
    setting: str = ""  # the setting that gives the days; "" when kept for good or fixed
    default_days: int | None = None  # None: kept for good
    what_happens: str = ""
    purge: str = ""  # dotted path: callable(now=None) -> int or list, run by the nightly retention run
    purged_model: str = ""  # "app_label.Model" whose rows record a deletion …
    purged_field: str = ""  # … in this nullable datetime field

    @property
    def kept_for_good(self) -> bool:
        return self.default_days is None

    def days(self) -> int | None:
        if self.default_days is None:
            return None
        return int(getattr(settings, self.setting, self.default_days)) if self.setting else self.default_days

    def purge_function(self) -> Callable | None:
        return import_string(self.purge) if self.purge else None

    def purged_count(self) -> int:
        if not self.purged_model:
            return 0
        model = apps.get_model(self.purged_model)
        return model._base_manager.filter(**{f"{self.purged_field}__isnull": False}).count()


POLICIES: tuple[RetentionPolicy, ...] = (
    RetentionPolicy(
        key="audit_logs",
        label=_("变更、访问、登录日志"),
        setting="AUDIT_RETENTION_DAYS",
        default_days=190,
        what_happens=_(
            "在数据库中至少保存六个月（不少于 183 天，数据库本身强制）；更早的记录归档为压缩并校验的文件后"
            "从数据库删除，哈希链跨归档仍可核验；归档文件由系统保留，不自动删除"
        ),
    ),
    RetentionPolicy(
        key="activity_evidence",
        label=_("活动照片与附件"),
        setting="EVIDENCE_RETENTION_DAYS",
        default_days=1095,
        what_happens=_("到期后删除文件和缩略图，保留记录并注明删除日期，变更日志记一笔"),
        purge="xianfeng.servicelog.retention.evidence_purge",
        purged_model="servicelog.ActivityFile",
        purged_field="purged_at",
    ),
    RetentionPolicy(
        key="import_files",
        label=_("导入上传的文件及错误明细"),
        setting="IMPORT_FILE_RETENTION_DAYS",
        default_days=30,
        what_happens=_("到期后删除文件和错误明细，导入任务记录保留并注明删除时间，变更日志记一笔"),
        purge="xianfeng.imports.services.import_files_purge",
        purged_model="imports.ImportJob",
        purged_field="file_deleted_at",
    ),
    RetentionPolicy(
        key="report_outputs",
        label=_("报表导出生成的文件"),
        default_days=7,
        what_happens=_("系统生成的文件，可随时重新生成；由报表任务自行清理"),
    ),
    RetentionPolicy(
        key="party_archives",
        label=_("党建档案：会议记录附件、党费票据、荣誉证书扫描件"),
        what_happens=_("党的组织生活、党费、表彰材料属长期保存的党建档案，不按期限删除"),
    ),
    RetentionPolicy(
        key="member_photos",
        label=_("党员、志愿者照片"),
        what_happens=_("属党员档案的一部分，随档案长期保存，不按期限删除"),
    ),
)


def purging_policies() -> list[RetentionPolicy]:
    """The policies the nightly retention run carries out."""
    return [p for p in POLICIES if p.purge]


def policy(key: str) -> RetentionPolicy:
    return next(p for p in POLICIES if p.key == key)


def files_purged(*keys: str) -> int:
    """Uploads deleted by retention so far (each one recorded on its row), of the policies named
    (all when none is)."""
    return sum(p.purged_count() for p in POLICIES if not keys or p.key in keys)
