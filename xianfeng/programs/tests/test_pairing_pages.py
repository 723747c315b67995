"""结对帮扶 pages as users meet them: the volunteer's 工作台 panel with the week's contacts still
owed, the list with this period's made/target (red when behind), a new pair, the team's
one-click page, and nobody outside scope seeing a pair."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs import home, services
from xianfeng.programs.models import Enrollment
from xianfeng.programs.services_pairing import pairing_create
from xianfeng.residents.models import HouseholdTag, HouseholdTagKind
from xianfeng.residents.tests.factories import VILLAGE_A, HouseholdFactory, ResidentFactory
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LAST_MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday()) - 7 * DAY


def family(head_name):
    head = ResidentFactory(name=head_name, village_id=VILLAGE_A)
    household = HouseholdFactory(village_id=VILLAGE_A, head=head)
    return household


@pytest.fixture
def paired(people):
    """The volunteer paired with two families since last Monday, 2 contacts a week: 孙家 got both
    last week, 钱家 only one (so it is behind this week)."""
    home.register()  # the lead wires it in apps.py; registering twice replaces the panel
    sun = pairing_create(
        acting_user=people.volunteer,
        household=family("孙大妈"),
        responsible_member=people.member,
        enrolled_on=LAST_MONDAY,
    )
    qian = pairing_create(
        acting_user=people.volunteer,
        household=family("钱大爷"),
        responsible_member=people.member,
        enrolled_on=LAST_MONDAY,
    )
    for pair, days in ((sun, (0, 3)), (qian, (1,))):
        for day in days:
            services.enrollment_record_visit(
                acting_user=people.volunteer,
                enrollment=pair,
                kind="contact",
                visited_on=LAST_MONDAY + day * DAY,
                data={"mode": "phone"},
            )
    return people, sun, qian


def pair_rows(page: str) -> list[int]:
    """The pairs listed in the 本周结对联系 panel, in order."""
    return [int(pk) for pk in re.findall(r'data-pair="(\d+)"', page)]


def test_the_volunteer_sees_the_weeks_contacts_still_owed_on_the_home_page(paired, login):
    people, sun, qian = paired
    client = login(people.volunteer)
    page = client.get(reverse("core:home")).content.decode()
    assert "本周结对联系" in page
    assert "孙大妈户" in page and "钱大爷户" in page
    assert "已联系 0/2 次，还差 2 次" in page
    contact_url = reverse("programs:visit_new", args=[qian.pk]) + "?kind=contact"
    assert contact_url in page
    # 钱家 fell short last week: it comes first and is marked behind (the panel's rows, not the
    # 待随访 panel above it, which lists both as due).
    assert pair_rows(page) == [qian.pk, sun.pk]
    assert "落后" in page

    for _ in range(2):  # this week's two calls to 孙家: it leaves the panel
        services.enrollment_record_visit(
            acting_user=people.volunteer, enrollment=sun, kind="contact", visited_on=TODAY, data={"mode": "visit"}
        )
    page = client.get(reverse("core:home")).content.decode()
    assert pair_rows(page) == [qian.pk]


def test_the_panel_is_not_shown_to_a_member_without_pairs(paired, login, world):
    assert home.pairing_panel(type("R", (), {"user": world.owner})()) is None
    MemberFactory(name="没有结对", branch=world.branch_a, user=world.reader)
    assert home.pairing_panel(type("R", (), {"user": world.reader})()) is None


def test_the_list_shows_this_weeks_count_and_marks_pairs_behind(paired, login, django_assert_max_num_queries):
    people, sun, qian = paired
    client = login(people.volunteer)
    client.get(reverse("programs:pairing_list"))  # warm the grants cache
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:pairing_list"))
    page = response.content.decode()
    assert f'data-pair="{qian.pk}" class="table-danger" data-behind="1"' in page
    assert f'data-pair="{sun.pk}" class="table-danger"' not in page
    assert 'data-made="0" data-target="2"' in page
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("programs:pairing_list"))
    for name in ("周大爷", "吴大妈", "郑奶奶"):  # more pairs, same number of queries
        pairing_create(acting_user=people.volunteer, household=family(name), responsible_member=people.member)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("programs:pairing_list")).content.decode().count("data-pair=") == 5
    assert len(five) == len(two)
    found = client.get(reverse("programs:pairing_list"), {"q": "孫大媽"}).content.decode()  # Traditional
    assert "孙大妈户" in found and "钱大爷户" not in found


def test_nobody_outside_scope_sees_pairs(paired, login, world):
    people, sun, _qian = paired
    page = login(world.outsider).get(reverse("programs:pairing_list")).content.decode()
    assert "孙大妈户" not in page and "钱大爷户" not in page
    table = login(world.outsider).get(reverse("programs:pairing_compliance")).content.decode()
    assert "孙大妈户" not in table


def test_a_new_pair_from_the_form(people, login):
    client = login(people.volunteer)
    household = family("周大爷")
    response = client.post(
        reverse("programs:pairing_new"),
        {
            "subject": "household",
            "household": household.pk,
            "target_count": "1",
            "target_period": "month",
            "kind": "elderly",
            "enrolled_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200  # no volunteer nor team: the form says so
    assert "请选择结对的帮扶人（成员）或帮扶队伍" in response.content.decode()
    assert not Enrollment.objects.filter(program="pairing").exists()
    response = client.post(
        reverse("programs:pairing_new"),
        {
            "subject": "household",
            "household": household.pk,
            "responsible_member": people.member.pk,
            "target_count": "1",
            "target_period": "month",
            "kind": "elderly",
            "enrolled_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    pair = Enrollment.objects.get(program="pairing")
    assert pair.data == {"target_count": 1, "target_period": "month", "kind": "elderly"}


def test_the_team_page_previews_and_pairs_in_one_click(people, login, world):
    team = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=world.branch_a)
    staff = MemberFactory(name="张医生", branch=world.branch_a)
    MembershipFactory(team=team, member=staff, start_on=TODAY - 10 * DAY)
    household = family("张父")
    HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.MEDICAL_FAMILY, note="张医生的父亲")
    client = login(world.owner)
    url = reverse("programs:pairing_team") + f"?team={team.pk}"
    page = client.get(url).content.decode()
    assert "张父户" in page and "待结对" in page and "确认为 1 户家属结对" in page
    response = client.post(
        reverse("programs:pairing_team"),
        {"team": team.pk, "member": people.member.pk, "target_count": "2", "target_period": "week"},
    )
    assert response.status_code == 302
    assert Enrollment.objects.filter(program="pairing", household=household).count() == 1
    page = client.get(url).content.decode()
    assert "已结对" in page and "确认为" not in page
    assert login(world.outsider).get(url).status_code == 404
