"""The offline field app in a real browser on a 375×812 phone (issue 14).

The judged scenario: a volunteer opens /m/ online, the browser goes offline, they record three
home medicine deliveries and the attendance of 12 residents at an activity, reload (still
offline) and see the four entries waiting; back online they sync twice, and exactly 15 service
records exist with the right dates and providers. Then: a revoked phone wipes itself on its next
contact, and a record the server refuses stays on the phone with the reason until given up.

Offline is Chromium's network emulation (context.set_offline), which Playwright ≥ 1.4x also
applies to the service worker's own fetches; the test does not rely on that alone: it counts the
requests that reached Django (request_started, in this process, where the live server runs)
while the phone was offline, and there must be none.
"""

import datetime

import pytest
from django.core.signals import request_started
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices import services as device_services
from xianfeng.devices.models import Device
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.models import Resident
from xianfeng.residents.tests.factories import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog import services_activities
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 812}
DAY = datetime.timedelta(days=1)
WAIT = 20_000  # ms: an upper bound for each condition, never a pause


class ServerHits:
    """Requests that reached Django while counting (the live server runs in this process)."""

    def __init__(self):
        self.paths, self.counting = [], False
        request_started.connect(self._seen, weak=False, dispatch_uid="offline-app-hits")

    def _seen(self, sender, environ=None, **kwargs):
        if self.counting:
            self.paths.append((environ or {}).get("PATH_INFO", "?"))

    def close(self):
        request_started.disconnect(dispatch_uid="offline-app-hits")


@pytest.fixture
def hits():
    counter = ServerHits()
    yield counter
    counter.close()


def volunteer_world(world, username="dangyuan-t"):
    """A 党员/志愿者 of 内科党支部 (like demo dangyuan) with 15 residents of VILLAGE_A in reach, a
    team, and an activity held two days ago there."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username=username, display_name="王志愿")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=user)
    MembershipFactory(team=TeamFactory(name="内科党员先锋队", owner_org=world.branch_a), member=member)
    residents = [
        ResidentFactory(name=name, village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1) + i * 40 * DAY)
        for i, name in enumerate(["李大爷", "王奶奶", "赵大叔"])
    ]
    residents += [
        ResidentFactory(name=f"村民{i:02d}", village_id=VILLAGE_A, birth_date=datetime.date(1960, 1, 1) + i * DAY)
        for i in range(12)
    ]
    activity = services_activities.activity_create(
        acting_user=user,
        title="孤山镇义诊",
        start_at=timezone.now() - 2 * DAY,
        status="held",
        region=regions[VILLAGE_A],
    ).activity
    return user, member, residents, activity


def phone(browser_context_factory):
    context = browser_context_factory(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def sign_in_to_app(page, base, username):
    page.goto(f"{base}/accounts/login/?next=/m/")
    log_in(page, base, username)
    ready(page)


def log_in(page, base, username):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/m/")


def ready(page):
    """The snapshot is stored on the phone and the service worker controls the page."""
    page.wait_for_function(
        "() => document.body.dataset.xfSnapshot === 'stored' && document.body.dataset.xfSync !== 'running'"
        " && navigator.serviceWorker.controller !== null",
        timeout=WAIT,
    )


def nav(page, label):
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label, exact=True).click()


def pick(page, query, name):
    search = page.get_by_placeholder("姓名或拼音首字母")
    search.fill(query)
    page.locator("[data-resident]", has_text=name).first.click()


def record_delivery(page, resident_name):
    nav(page, "登记")
    page.get_by_label("服务类型").select_option(label="送药上门")
    pick(page, resident_name, resident_name)
    page.get_by_role("button", name="保存到本机").click()
    expect(page.get_by_text("已保存到本机").last).to_be_visible(timeout=WAIT)


def outbox_items(page):
    return page.locator("[data-xf-outbox] > li")


def test_a_volunteer_records_offline_reloads_and_syncs_fifteen_records(
    live_server, browser_context_factory, world, hits
):
    user, member, residents, activity = volunteer_world(world)
    context, page, errors = phone(browser_context_factory)
    base = live_server.url
    sign_in_to_app(page, base, user.username)
    expect(page.locator(".xf-user")).to_have_text("王志愿")

    context.set_offline(True)
    hits.counting = True
    expect(page.locator("[data-xf-online]")).to_have_text("离线", timeout=WAIT)

    for resident in residents[:3]:
        record_delivery(page, resident.name)

    nav(page, "签到")
    page.get_by_label("活动").select_option(label=page.locator("option", has_text="孤山镇义诊").first.inner_text())
    page.get_by_label("服务类型").select_option(label="义诊")
    page.get_by_placeholder("姓名或拼音首字母").fill("村民")
    villagers = page.locator("[data-resident]")
    expect(villagers).to_have_count(12)
    for i in range(12):
        villagers.nth(i).click()
    expect(page.get_by_text("已选 12 人")).to_be_visible()
    page.get_by_role("button", name="保存签到").click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "4", timeout=WAIT)

    # Still offline: the reload is answered by the service worker, the data by IndexedDB.
    page.reload()
    page.wait_for_function("() => document.body.dataset.xfState === 'ready'", timeout=WAIT)
    nav(page, "待同步")
    expect(outbox_items(page)).to_have_count(4)
    for resident in residents[:3]:
        expect(outbox_items(page).filter(has_text=f"送药上门 · {resident.name}")).to_have_count(1)
    expect(outbox_items(page).filter(has_text="签到 · 孤山镇义诊 · 12 人")).to_have_count(1)
    assert ServiceRecord.objects.count() == 0
    hits.counting = False
    assert hits.paths == [], f"requests reached the server while offline: {hits.paths}"

    context.set_offline(False)
    sync_button = page.get_by_role("button", name="同步", exact=True)
    sync_button.click()
    sync_button.click()  # waits until the first round has ended (the button is disabled meanwhile)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0", timeout=WAIT)
    page.wait_for_function("() => document.body.dataset.xfSync === 'idle'", timeout=WAIT)
    expect(page.locator("[data-xf-outbox-empty]")).to_be_visible(timeout=WAIT)
    expect(page.locator(".xf-last-sync")).to_contain_text("上次同步")

    records = ServiceRecord.objects.filter(voided_at__isnull=True)
    assert records.count() == 15
    today = timezone.localdate()
    deliveries = records.filter(service_type__code="medicine_delivery")
    assert sorted(r.resident.name for r in deliveries) == sorted(r.name for r in residents[:3])
    assert {r.served_on for r in deliveries} == {today}
    attended = records.filter(activity=activity)
    assert sorted(r.resident_id for r in attended) == sorted(r.pk for r in residents[3:])
    assert {r.served_on for r in attended} == {activity.served_on}
    assert {r.created_by_id for r in records} == {user.pk}
    assert all([p.member_id for p in r.providers.all()] == [member.pk] for r in records)
    assert not errors, errors


STORAGE_LEFT = """async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    pending: localStorage.getItem("xf-offline-pending"),
})"""


def test_a_revoked_phone_wipes_its_data_on_its_next_contact(live_server, browser_context_factory, world):
    volunteer_world(world)  # the first user and the places
    other = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="lisi-t", display_name="李四")
    MemberFactory(name="李四", branch=world.branch_a, user=other)
    context, page, errors = phone(browser_context_factory)
    sign_in_to_app(page, live_server.url, other.username)
    before = page.evaluate(STORAGE_LEFT)
    assert "xianfeng-offline" in before["databases"] and before["caches"] and before["workers"] == 1

    device = Device.objects.get(user=other)
    device_services.device_revoke(acting_user=world.admin, device=device, reason="手机丢失")
    page.reload()
    wiped = page.locator("[data-xf-wiped]")
    expect(wiped).to_contain_text("本机离线数据已清除", timeout=WAIT)
    expect(wiped).to_contain_text("此设备已被管理员撤销")
    expect(page.locator("[data-xf-outbox], .xf-user")).to_have_count(0)  # nothing of the data is shown
    assert page.evaluate(STORAGE_LEFT) == {"databases": [], "caches": [], "workers": 0, "pending": None}
    device.refresh_from_db()
    assert device.wiped_at is not None
    assert not errors, errors


def test_a_refused_entry_stays_with_its_reason_until_given_up(live_server, browser_context_factory, world, hits):
    user, _member, residents, _activity = volunteer_world(world)
    moving, staying = residents[0], residents[1]
    context, page, errors = phone(browser_context_factory)
    base = live_server.url
    sign_in_to_app(page, base, user.username)
    context.set_offline(True)
    expect(page.locator("[data-xf-online]")).to_have_text("离线", timeout=WAIT)
    record_delivery(page, moving.name)
    record_delivery(page, staying.name)

    # Meanwhile 李大爷 moves to another township, out of the volunteer's reach.
    Resident.objects.filter(pk=moving.pk).update(village_id=VILLAGE_B)
    context.set_offline(False)
    page.get_by_role("button", name="同步", exact=True).click()
    page.wait_for_function("() => document.body.dataset.xfSync === 'idle'", timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1", timeout=WAIT)
    assert list(ServiceRecord.objects.values_list("resident_id", flat=True)) == [staying.pk]

    nav(page, "待同步")
    item = outbox_items(page)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"送药上门 · {moving.name}")
    expect(item).to_contain_text("被退回")
    reason = item.locator("[data-xf-reason]")
    expect(reason).not_to_be_empty()
    client_id = item.get_attribute("data-client-id")
    assert item.get_by_role("link", name="修改").get_attribute("href") == f"#/quick?edit={client_id}"
    refusal = AccessLog.objects.get(kind=AccessLog.Kind.SYNC_REFUSED, object_id=client_id)
    assert refusal.reason and refusal.reason in reason.inner_text()

    # The desktop pages warn before a logout would wipe the unsynced entry.
    desk = context.new_page()
    desk.goto(f"{base}/")
    desk.locator(".dropdown [data-bs-toggle=dropdown]").click()
    asked = []
    desk.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    desk.get_by_role("button", name="退出登录").click()
    assert asked == ["本机有 1 条离线记录尚未同步，退出将清除它们。确定退出？"]
    desk.goto(f"{base}/")
    assert desk.url == f"{base}/"  # still signed in

    # 放弃, confirmed: the entry goes, nothing is sent.
    item.get_by_role("button", name="放弃").click()
    page.get_by_role("dialog").get_by_role("button", name="确定放弃").click()
    expect(page.locator("[data-xf-outbox-empty]")).to_be_visible(timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0")
    page.reload()
    ready(page)
    nav(page, "待同步")
    expect(page.locator("[data-xf-outbox-empty]")).to_be_visible()
    assert ServiceRecord.objects.count() == 1
    assert not errors, errors


def test_another_user_signing_in_sees_nothing_and_the_outbox_waits_for_its_owner(
    live_server, browser_context_factory, world
):
    user, _member, residents, _activity = volunteer_world(world)
    other = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="lisi-t", display_name="李四")
    MemberFactory(name="李四", branch=world.branch_a, user=other)
    context, page, errors = phone(browser_context_factory)
    base = live_server.url
    sign_in_to_app(page, base, user.username)
    context.set_offline(True)
    expect(page.locator("[data-xf-online]")).to_have_text("离线", timeout=WAIT)
    record_delivery(page, residents[0].name)

    # The volunteer's session ends; back online the phone says so and keeps the entry.
    context.clear_cookies()
    context.set_offline(False)
    expect(page.locator("#xf-banner")).to_contain_text("登录已过期，请登录后同步", timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1")

    # Someone else signs in on this phone: asked first, they keep the entry for its owner.
    page.goto(f"{base}/accounts/login/?next=/m/")
    log_in(page, base, other.username)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"本机有 1 条由 {user.username} 记录", timeout=WAIT)
    dialog.get_by_role("button", name=f"保留，等 {user.username} 登录后同步").click()
    locked = page.locator("[data-xf-locked]")
    expect(locked).to_contain_text(f"本机的离线记录属于 {user.username}")
    expect(page.locator(".xf-user, .xf-nav-item, [data-xf-outbox]")).to_have_count(0)
    assert residents[0].name not in page.content()
    assert not ServiceRecord.objects.exists()

    # They sign out without wiping it, the owner signs in, and the entry goes to the server.
    page.get_by_role("button", name=f"退出 {other.username}，换 {user.username} 登录").click()
    page.wait_for_url(f"{base}/accounts/login/?next=/m/")
    log_in(page, base, user.username)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0", timeout=WAIT)
    record = ServiceRecord.objects.get()
    assert record.resident_id == residents[0].pk and record.created_by_id == user.pk
    assert not errors, errors


def test_a_phone_out_of_contact_longer_than_allowed_wipes_itself(live_server, browser_context_factory, world):
    user, _member, residents, _activity = volunteer_world(world)
    context, page, errors = phone(browser_context_factory)
    context.clock.install()  # the phone's own clock, moved on below (time flows meanwhile)
    sign_in_to_app(page, live_server.url, user.username)
    context.set_offline(True)
    expect(page.locator("[data-xf-online]")).to_have_text("离线", timeout=WAIT)
    record_delivery(page, residents[0].name)

    # Eight days pass without a contact (OFFLINE_MAX_DAYS is 7): the check that runs every
    # minute wipes the phone, unsynced entry included, and says why.
    page.clock.fast_forward(8 * 24 * 3600 * 1000)
    wiped = page.locator("[data-xf-wiped]")
    expect(wiped).to_contain_text("超过 7 天未联网", timeout=WAIT)
    assert page.evaluate(STORAGE_LEFT) == {"databases": [], "caches": [], "workers": 0, "pending": None}
    assert not errors, errors


def test_a_phone_a_day_fast_is_told_and_its_record_dated_by_the_server(live_server, browser_context_factory, world):
    user, _member, residents, _activity = volunteer_world(world)
    context, page, errors = phone(browser_context_factory)
    context.clock.install(time=timezone.now() + DAY)  # the phone's clock is a day fast
    sign_in_to_app(page, live_server.url, user.username)
    record_delivery(page, residents[0].name)  # online: sent at once, dated "today" on the phone

    expect(page.get_by_text("手机时间与服务器相差约 1 天，已按服务器时间校正")).to_be_visible(timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0", timeout=WAIT)
    record = ServiceRecord.objects.get()
    assert record.served_on == timezone.localdate() and record.created_by_id == user.pk
    assert not errors, errors
