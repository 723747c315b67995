"""Request and response shapes of the reports API. Names start with "Report": ninja keeps one
component per class name across the whole API (xianfeng/api/tests/test_schema_names.py)."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

# The filter's parameters are checked by filters.parse_filter (its messages, 400), so they
# are plain bounded text here; the schema documents them.
_Text = Annotated[str, Field(max_length=40)]


class ReportFilterQuery(Schema):
    """The one filter of every figure (DESIGN.md §2); all optional, default this year so far."""

    from_: _Text = Field("", alias="from", description="起始日期 YYYY-MM-DD（默认今年 1 月 1 日）")
    to: _Text = Field("", description="截止日期 YYYY-MM-DD（默认今天）")
    org: _Text = Field("", description="组织 id（含下级组织）")
    region: _Text = Field("", description="地区代码（2、4、6、9 或 12 位）")
    team: _Text = Field("", description="队伍 id")
    type: _Text = Field("", description="服务类型代码")
    category: _Text = Field("", description="服务类别代码")
    program: _Text = Field("", description="项目代码")

    def params(self) -> dict[str, str]:
        return {
            "from": self.from_,
            "to": self.to,
            "org": self.org,
            "region": self.region,
            "team": self.team,
            "type": self.type,
            "category": self.category,
            "program": self.program,
        }


class ReportRateOut(Schema):
    numerator: int
    denominator: int | None = Field(description="null：分母为 0 或无分母")
    rate: float | None = Field(description="百分比（患病率为千分比）；分母为 0 时为 null")


class ReportTypeMetricsOut(Schema):
    person_times: int
    persons: int
    households: int
    events: int
    townships_covered: int
    villages_covered: int
    hours: float
    quantity: dict[str, float]


class ReportHotlineOut(Schema):
    """心理援助热线 (hotline/figures.py; 口径 in hotline/reports_family.py)."""

    calls: int = Field(description="热线来电与线上咨询（人次，已含在服务人次中）")
    by_channel: dict[str, int] = Field(description="渠道 phone/online → 来电数")
    by_topic: dict[str, int] = Field(description="主要问题代码 → 来电数")
    by_risk: dict[str, int] = Field(description="风险等级 none/low/medium/high → 来电数")
    by_hour: list[int] = Field(description="0–23 时（本地时间）各时段来电数，24 项")
    by_weekday: list[int] = Field(description="周一至周日来电数，7 项")
    by_day: dict[str, int] = Field(description="日期 YYYY-MM-DD → 来电数（仅有来电的日期）")
    escalations: int = Field(description="危机升级次数")
    escalations_closed: int = Field(description="已办结升级")
    escalations_in_time: int = Field(description="按时办结")
    escalations_overdue: int = Field(description="超时未办结（截至现在）")
    open_escalations: int = Field(description="未办结升级（截至现在）")
    in_time_rate: float | None = Field(description="按时处理率 %：按时办结 ÷（已办结 + 超时未办结）")
    median_minutes_to_handle: float | None = Field(description="处理用时中位数（分钟）")


class ReportNeedsGroupOut(Schema):
    raised: int
    resolved: int
    unresolved_closed: int
    open: int
    overdue: int
    resolution_rate: float | None


class ReportNeedsTownshipOut(ReportNeedsGroupOut):
    code: str = Field(description="乡镇代码（空：未记录地点）")
    name: str


class ReportNeedsOut(Schema):
    """民情台账 (needs/figures.py; 口径 in needs/reports_family.py)."""

    raised: int = Field(description="期间内反映的诉求")
    resolved: int = Field(description="其中目前已解决")
    unresolved_closed: int = Field(description="其中未解决关闭")
    open: int = Field(description="其中在办（待办、办理中）")
    overdue: int = Field(description="其中逾期未办结")
    resolved_in_period: int = Field(description="办结日期在期间内的已解决诉求（不论何时反映）")
    resolution_rate: float | None = Field(description="解决率 %：已解决 ÷ 反映")
    median_days_to_resolve: float | None = Field(description="办结天数中位数")
    by_category: dict[str, ReportNeedsGroupOut] = Field(description="诉求类别代码 → 同样的指标")
    by_township: list[ReportNeedsTownshipOut] = Field(description="按乡镇")


class ReportPartylifeOut(Schema):
    """组织生活与党建 (partylife/figures.py; 口径 in partylife/reports_family.py). Regions do not apply."""

    areas: list[str] = Field(description="读者统计报表权限所及的领域：partylife、study、dues、funds")
    meetings_held: int = Field(description="召开的有效会议（未作废）")
    meetings_by_kind: dict[str, int] = Field(description="会议类型代码 → 次数")
    attendance_expected: int = Field(description="上述会议应到人数之和")
    attendance_present: int = Field(description="上述会议实到人数之和")
    attendance_rate: float | None = Field(description="到会率 %")
    compliance_required: int = Field(description="期间内已结束的应开会议周期（支部 × 类型 × 周期）")
    compliance_met: int = Field(description="其中按要求召开的周期")
    compliance_rate: float | None = Field(description="组织生活达标率 %")
    study_items: int = Field(description="推送学习内容")
    study_completions: int = Field(description="完成学习（人次）")
    study_hours: float = Field(description="学习时长（学时）")
    dues_due: float | None = Field(description="应交党费（元）；无党费查看权限时为 null")
    dues_collected: float | None = Field(description="已交党费（元）")
    dues_payments: int = Field(description="党费交纳笔数")
    dues_collection_rate: float | None = Field(description="党费收缴率 %")
    dues_arrears_members: int = Field(description="连续 6 个月及以上未交党费的党员数")
    funds_budget: float | None = Field(description="党建经费预算（元）；无经费查看权限时为 null")
    funds_spent: float | None = Field(description="党建经费支出（元）")
    funds_balance: float | None = Field(description="结余（元）")
    funds_expenses: int = Field(description="支出笔数")
    funds_over_budget: int = Field(description="超预算支出笔数")
    funds_by_category: dict[str, float] = Field(description="支出类别代码 → 金额（元）")
    honours: int = Field(description="获得荣誉")
    honours_by_level: dict[str, int] = Field(description="荣誉级别代码 → 项数")
    outputs: int = Field(description="党建成果")
    outputs_by_kind: dict[str, int] = Field(description="成果类型代码 → 项数（magazine：院刊期号）")


class ReportEmergencyLatestOut(Schema):
    emergency: int
    name: str
    day: str = Field(description="最近一份每日报告的日期 YYYY-MM-DD")
    counts: dict[str, int] = Field(description="字段代码 → 累计数")


class ReportEmergenciesOut(Schema):
    """应急处置 (emergencies/figures.py; 口径 in emergencies/reports_family.py)."""

    visible: bool = Field(description="读者的统计报表权限是否及于应急处置")
    emergencies: int = Field(description="期间内进行中的应急事件")
    pledges: int = Field(description="请战书（未撤回）")
    commando_teams: int = Field(description="党员突击队")
    commando_members: int = Field(description="突击队队员（去重）")
    outbound_teams: int = Field(description="援外医疗队")
    working_groups: int = Field(description="工作组")
    leadership_meetings: int = Field(description="领导小组会议")
    applications: int = Field(description="火线入党申请")
    families_paired: int = Field(description="结对的一线人员家属（户）")
    latest_counts: dict[str, int] = Field(description="各事件最近一份每日报告的累计数之和：字段代码 → 数")
    latest_reports: list[ReportEmergencyLatestOut] = Field(description="各事件最近一份每日报告")
    latest_report_day: str | None = Field(description="其中最晚的报告日期")
    latest_confirmed: int | None = Field(description="累计确诊")
    latest_screened: int | None = Field(description="累计发热筛查")


class ReportMetricsOut(Schema):
    """The figures of DESIGN.md §2, the same as the dashboard's and ``manage.py report``'s."""

    person_times: int = Field(description="服务人次")
    persons: int = Field(description="服务人数（去重居民）")
    households: int = Field(description="服务户数（去重）")
    events: int = Field(description="活动场次")
    townships_covered: int = Field(description="覆盖乡镇数")
    villages_covered: int = Field(description="覆盖村（社区）数")
    townships_in_scope: int = Field(description="范围内乡镇数（覆盖率分母）")
    villages_in_scope: int = Field(description="范围内村（社区）数（覆盖率分母）")
    townships_covered_in_scope: int = Field(description="范围内被覆盖的乡镇数（覆盖率分子）")
    villages_covered_in_scope: int = Field(description="范围内被覆盖的村数（覆盖率分子）")
    hours: float = Field(description="志愿服务时长（小时）")
    quantity: dict[str, float] = Field(description="计量单位 → 数量")
    by_type: dict[str, ReportTypeMetricsOut] = Field(description="服务类型代码 → 同样的指标")
    programs: dict[str, dict[str, int | ReportRateOut]] = Field(
        description="项目代码 → 指标；率给出分子、分母与率（严重精神障碍：registered、management_rate…）"
    )
    hotline: ReportHotlineOut = Field(description="心理援助热线（只有汇总数字，没有来电明细）")
    needs: ReportNeedsOut = Field(description="民情台账")
    partylife: ReportPartylifeOut = Field(description="组织生活与党建（只有汇总数字）")
    emergencies: ReportEmergenciesOut = Field(description="应急处置（只有汇总数字）")


class ReportJobIn(Schema):
    kind: Literal["table_xlsx", "report_docx", "metrics_xlsx"] = Field(
        description="table_xlsx 统计表、report_docx 工作报告、metrics_xlsx 统计数据"
    )
    from_: _Text = Field("", alias="from")
    to: _Text = ""
    org: _Text = ""
    region: _Text = ""
    team: _Text = ""
    type: _Text = ""
    category: _Text = ""
    program: _Text = ""
    rows: _Text = Field("", description="统计表的行：org、team、county、township、village")
    metrics: Annotated[str, Field(max_length=400)] = Field("", description="统计表的列：指标键，逗号分隔")
    template: _Text = Field("", description="工作报告的模板 id（默认：默认模板）")

    def params(self) -> dict[str, str]:
        data = self.dict(by_alias=True, exclude={"kind"})
        return {key: value for key, value in data.items() if value}


class ReportJobOut(Schema):
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(description="0–100")
    message: str = Field(description="失败时的说明")
    filename: str
    params: dict[str, str]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    download_url: str | None = Field(description="完成后的下载地址（网页会话）")
