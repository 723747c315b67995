"""Published snapshots (issue 11 §5): a void, a back-dated record or an edit that moves a record
out of the period is found and named; an edit that changes no figure is not."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.reports import snapshots
from xianfeng.reports.filters import ReportFilter
from xianfeng.reports.models import ReportTemplate, Snapshot, SnapshotFigure
from xianfeng.reports.services_snapshots import snapshot_publish, snapshot_verify
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.servicelog.models import Activity
from xianfeng.servicelog.services import record_update, record_void
from xianfeng.servicelog.tests.factories import ActivityFactory, ServiceRecordFactory, service_type

D = datetime.date
START, END = D(2025, 1, 1), D(2025, 6, 30)


@pytest.fixture
def branch(world):
    """Branch A serving 孤山镇, a volunteer of the branch who gives the services, three records
    to three residents inside the period and one activity with a headcount."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    member = MemberFactory(name="王志愿", branch=world.branch_a)
    residents = [ResidentFactory(village_id=VILLAGE_A) for _ in range(3)]
    delivery = service_type("medicine_delivery")
    records = [
        ServiceRecordFactory(
            org=world.branch_a, service_type=delivery, resident=r, served_on=D(2025, 3, 1 + i), provider=member
        )
        for i, r in enumerate(residents)
    ]
    activity = ActivityFactory(org=world.branch_a, region_id=VILLAGE_A, headcount=40, served_on=D(2025, 4, 2))
    return SimpleNamespace(world=world, member=member, residents=residents, records=records, activity=activity)


def publish(user, **flt):
    return snapshot_publish(acting_user=user, flt=ReportFilter(start=START, end=END, **flt), title="上半年工作情况")


def figure(snapshot, key):
    return SnapshotFigure.objects.get(snapshot=snapshot, key=key)


def test_publishing_freezes_each_figure_with_the_rows_behind_it(branch):
    snapshot = publish(branch.world.owner)
    assert snapshot.status == Snapshot.Status.INTACT and snapshot.org == branch.world.branch_a
    person_times = figure(snapshot, "person_times")
    assert person_times.value == 43  # three records + a headcount of 40
    assert person_times.record_count == 4  # the three records and the activity
    rows = snapshots.unpack(person_times.rows)
    assert set(rows) == {f"record:{r.pk}" for r in branch.records} | {f"activity:{branch.activity.pk}"}
    assert figure(snapshot, "persons").record_count == 3
    assert figure(snapshot, "hours").value == Decimal("3.0")  # the factory's one hour on each record
    assert snapshot.metrics["person_times"] == 43


def test_a_voided_record_is_found_listed_and_the_value_now_differs(branch, login):
    world = branch.world
    snapshot = publish(world.owner)
    voided = branch.records[0]
    record_void(acting_user=world.owner, record=voided, reason="重复登记")

    # The leader opens the snapshot right after: the void is in the audit trail, so it is re-checked.
    response = login(world.reader).get(reverse("reports:snapshot_detail", args=[snapshot.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 条记录在发布后发生变化，影响「服务人次」：发布时 43，现在 42" in page
    assert reverse("servicelog:record_detail", args=[voided.pk]) in page
    assert "已作废，不再计入" in page

    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.CHANGED
    entry = snapshot.changes["person_times"]
    assert entry["removed"] == [f"record:{voided.pk}"] and entry["removed_count"] == 1
    assert entry["published"] == 43 and entry["now"] == 42
    assert snapshot.changes["persons"]["now"] == 2
    assert snapshot.changes["hours"]["removed"] == [f"provider:{voided.pk}-{branch.member.pk}"]
    assert "events" not in snapshot.changes  # the activity was not touched


def test_a_back_dated_record_inside_the_period_is_detected(branch):
    snapshot = publish(branch.world.owner)
    late = ServiceRecordFactory(
        org=branch.world.branch_a,
        service_type=service_type("medicine_delivery"),
        resident=branch.residents[0],
        served_on=D(2025, 2, 14),  # entered after publication, dated inside the period
    )
    snapshot = snapshot_verify(snapshot=snapshot)
    assert snapshot.status == Snapshot.Status.CHANGED
    assert snapshot.changes["person_times"]["added"] == [f"record:{late.pk}"]
    assert snapshot.changes["person_times"]["now"] == 44
    assert "persons" not in snapshot.changes or snapshot.changes["persons"]["now"] == 3
    assert snapshots.summary_line(snapshot.changes).startswith("1 条记录在发布后发生变化，影响「服务人次」")


def test_an_edit_that_moves_a_record_out_of_the_period_is_detected(branch):
    world = branch.world
    snapshot = publish(world.owner)
    moved = branch.records[1]
    record_update(acting_user=world.owner, record=moved, served_on=D(2025, 7, 3))
    snapshot = snapshot_verify(snapshot=snapshot)
    assert snapshot.status == Snapshot.Status.CHANGED
    assert snapshot.changes["person_times"]["removed"] == [f"record:{moved.pk}"]
    assert snapshot.changes["person_times"]["now"] == 42


def test_an_edit_within_the_figure_is_reported_as_changed(branch):
    """A record moved to another resident keeps 人次 but changes who was served (人数's rows)."""
    world = branch.world
    snapshot = publish(world.owner)
    record = branch.records[2]
    record_update(acting_user=world.owner, record=record, resident=branch.residents[0])
    snapshot = snapshot_verify(snapshot=snapshot)
    assert "person_times" not in snapshot.changes
    persons = snapshot.changes["persons"]
    assert persons["changed"] == [f"record:{record.pk}"] and persons["published"] == 3 and persons["now"] == 2


def test_an_edit_that_does_not_affect_counting_is_not_reported(branch):
    world = branch.world
    snapshot = publish(world.owner)
    digests = dict(snapshot.figures.values_list("key", "digest"))
    # A note edit rewrites the record's providers (new rows, same person and hours): still nothing.
    record_update(acting_user=world.owner, record=branch.records[0], note="已电话回访，情况良好")
    snapshot = snapshot_verify(snapshot=snapshot)
    assert snapshot.status == Snapshot.Status.INTACT and snapshot.changes == {}
    assert dict(snapshot.figures.values_list("key", "digest")) == digests


def test_a_changed_headcount_is_detected_on_the_activity(branch):
    snapshot = publish(branch.world.owner)
    Activity.objects.filter(pk=branch.activity.pk).update(headcount=10)
    snapshot = snapshot_verify(snapshot=snapshot)
    entry = snapshot.changes["person_times"]
    assert entry["changed"] == [f"activity:{branch.activity.pk}"] and entry["now"] == 13
    assert "events" not in snapshot.changes  # still one event


def test_verify_snapshots_exits_1_when_a_snapshot_changed(branch, capsys):
    snapshot = publish(branch.world.owner)
    call_command("verify_snapshots")
    assert f"#{snapshot.pk} 上半年工作情况: 未变化" in capsys.readouterr().out
    record_void(acting_user=branch.world.owner, record=branch.records[0], reason="录错对象")
    with pytest.raises(CommandError) as raised:
        call_command("verify_snapshots", "--id", str(snapshot.pk))
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert f"#{snapshot.pk} 上半年工作情况: 1 条记录在发布后发生变化，影响「服务人次」" in out
    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.CHANGED


def test_publishing_needs_reports_export(branch, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, branch.world.branch_a, username="shuji")
    with pytest.raises(PermissionDenied):
        publish(secretary)
    client = login(secretary)
    params = {"from": START.isoformat(), "to": END.isoformat(), "title": "书记发布"}
    assert client.post(reverse("reports:snapshot_publish"), params).status_code == 403
    assert client.get(reverse("reports:snapshot_publish")).status_code == 403
    assert not Snapshot.objects.exists()


def test_a_clerk_publishes_from_the_page_and_lands_on_the_snapshot(branch, login):
    client = login(branch.world.owner)
    query = {"from": START.isoformat(), "to": END.isoformat()}
    page = client.get(reverse("reports:snapshot_publish"), query)
    assert page.status_code == 200 and "43" in page.content.decode()
    response = client.post(reverse("reports:snapshot_publish"), {**query, "title": "上半年工作纪实"})
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:snapshot_detail", args=[snapshot.pk]
    )
    assert (
        snapshot.title == "上半年工作纪实" and snapshot.params == query and snapshot.published_by == branch.world.owner
    )
    bad = client.post(reverse("reports:snapshot_publish"), {"from": "2025-06-30", "to": "2025-01-01", "title": "x"})
    assert bad.status_code == 400 and "开始日期晚于结束日期" in bad.content.decode()
    assert Snapshot.objects.count() == 1


def test_a_secretary_cannot_open_a_snapshot_of_another_branch(branch, login):
    world = branch.world
    snapshot = publish(world.owner)
    other = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_b, username="b_shuji")
    own = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="a_shuji")
    detail = reverse("reports:snapshot_detail", args=[snapshot.pk])
    assert login(other).get(detail).status_code == 404
    assert login(other).post(reverse("reports:snapshot_verify", args=[snapshot.pk])).status_code == 404
    assert "上半年工作情况" not in login(other).get(reverse("reports:snapshots")).content.decode()
    assert login(own).get(detail).status_code == 200
    assert "上半年工作情况" in login(own).get(reverse("reports:snapshots")).content.decode()


def test_rows_the_reader_may_not_open_are_counted_not_listed(branch, login):
    """A psychiatric follow-up counts in the leader's 人次; its change is counted, never shown."""
    world = branch.world
    followup = ServiceRecordFactory(
        org=world.branch_a,
        service_type=service_type("followup_home"),
        resident=branch.residents[1],
        served_on=D(2025, 5, 5),
    )
    snapshot = publish(world.owner)
    assert figure(snapshot, "person_times").value == 44
    followup.voided_at = datetime.datetime(2025, 8, 1, tzinfo=datetime.UTC)
    followup.save(update_fields=["voided_at"])
    response = login(world.reader).post(reverse("reports:snapshot_verify", args=[snapshot.pk]), follow=True)
    page = response.content.decode()
    assert "1 条记录在发布后发生变化，影响「服务人次」：发布时 44，现在 43" in page
    assert reverse("servicelog:record_detail", args=[followup.pk]) not in page
    assert "另有 1 条记录超出您的查看权限" in page


def test_publishing_from_the_narrative_keeps_the_report_text(branch, login):
    template = ReportTemplate.objects.create(
        name="半年小结",
        title="内科党支部服务小结（{期间}）",
        body="累计服务群众{服务人次}人次，开展活动{活动场次}场次。",
    )
    client = login(branch.world.owner)
    params = {"from": START.isoformat(), "to": END.isoformat(), "title": "半年小结", "template": template.pk}
    response = client.post(reverse("reports:snapshot_publish"), params, follow=True)
    snapshot = Snapshot.objects.get()
    assert snapshot.template == template
    assert "累计服务群众43人次，开展活动1场次。" in snapshot.text
    assert "累计服务群众43人次，开展活动1场次。" in response.content.decode()
