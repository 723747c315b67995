"""Birth dates and special groups that contradict sex or age are refused on every path (issue 8
item 3): the rules table, the web forms, the API, the import, and without revealing health groups."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from xianfeng.accounts.roles import ROLE_PERMISSIONS, Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.residents import rules, services
from xianfeng.residents.models import Resident, ResidentTag, ResidentTagKind

from .factories import VILLAGE_A, make_id_number

TODAY = datetime.date(2026, 11, 23)


def born(age: int, today=TODAY) -> datetime.date:
    """A birthday ``age`` years and a month before ``today``."""
    return datetime.date(today.year - age, 1, 1) if today.month > 1 else datetime.date(today.year - age - 1, 6, 1)


def years_ago(years: int) -> datetime.date:
    return born(years, timezone.localdate())


# -- the rules themselves -------------------------------------------------------------------


def test_birth_dates_outside_1900_to_today_are_refused_with_the_date():
    assert rules.birth_date_error(datetime.date(2026, 11, 24), today=TODAY) == "出生日期 2026-11-24 晚于今天"
    assert "1899-12-31 早于 1900-01-01" in rules.birth_date_error(datetime.date(1899, 12, 31), today=TODAY)
    assert "身份证号中的出生日期 1895-01-01" in rules.birth_date_error(
        datetime.date(1895, 1, 1), from_id=True, today=TODAY
    )
    for ok in (datetime.date(1900, 1, 1), TODAY, None):
        assert rules.birth_date_error(ok, today=TODAY) == ""


def test_the_issues_examples_name_both_facts():
    assert (
        rules.tag_error(ResidentTagKind.PREGNANT, gender="M", birth_date=born(30), on=TODAY)
        == "“孕产妇”只适用于女性，此人性别为男"
    )
    assert (
        rules.tag_error(ResidentTagKind.STUDENT, gender="M", birth_date=born(75), on=TODAY)
        == "“在校学生”不适用于75岁的居民（限6–35岁）"
    )
    assert (
        rules.tag_error(ResidentTagKind.LEFT_BEHIND, gender="F", birth_date=born(40), on=TODAY)
        == "“留守老人/儿童”不适用于40岁的居民（限未满16岁或60岁及以上）"
    )
    assert rules.tag_error(ResidentTagKind.PREGNANT, gender="F", birth_date=born(5), on=TODAY).startswith(
        "“孕产妇”不适用于5岁的居民"
    )


@pytest.mark.parametrize(
    "tag, gender, age",
    [
        (ResidentTagKind.PREGNANT, "F", 28),
        (ResidentTagKind.STUDENT, "M", 6),
        (ResidentTagKind.STUDENT, "F", 35),
        (ResidentTagKind.LEFT_BEHIND, "M", 8),
        (ResidentTagKind.LEFT_BEHIND, "F", 60),
        (ResidentTagKind.SEVERE_MENTAL, "M", 90),
        (ResidentTagKind.CHRONIC, "F", 3),
    ],
)
def test_people_who_fit_are_accepted(tag, gender, age):
    assert rules.tag_error(tag, gender=gender, birth_date=born(age), on=TODAY) == ""


def test_every_group_has_a_rule_with_its_reason():
    assert set(rules.TAG_RULES) == set(ResidentTagKind.values)
    assert all(len(str(rule.reason)) > 5 for rule in rules.TAG_RULES.values())


def test_a_group_that_ended_is_judged_on_its_last_day():
    mother = born(70)  # 孕产妇 in her thirties, long ago
    assert rules.tag_error(ResidentTagKind.PREGNANT, gender="F", birth_date=mother, on=TODAY)
    ended = datetime.date(mother.year + 30, 5, 1)
    assert rules.reference_day(ended, today=TODAY) == ended
    assert rules.tag_error(ResidentTagKind.PREGNANT, gender="F", birth_date=mother, on=ended) == ""
    assert rules.reference_day(None, today=TODAY) == TODAY


@given(
    tag=st.sampled_from(ResidentTagKind.values),
    gender=st.sampled_from(["", "M", "F"]),
    birth=st.one_of(st.none(), st.dates(datetime.date(1900, 1, 1), TODAY)),
)
def test_property_unknown_facts_never_refuse_and_refusals_name_the_group(tag, gender, birth):
    message = rules.tag_error(tag, gender=gender, birth_date=birth, on=TODAY)
    if not gender and birth is None:
        assert message == ""
    if message:
        assert f"“{ResidentTagKind(tag).label}”" in message
        assert ("性别为" in message and gender) or f"{rules.age_on(birth, TODAY)}岁" in message
    assert (message == "") == (tag in rules.allowed_tags([tag], gender=gender, birth_date=birth, on=TODAY))


# -- services, web forms, API -----------------------------------------------------------------


def test_future_or_pre_1900_birth_date_refused_with_or_without_id(doctors, county):
    for birth in (timezone.localdate() + datetime.timedelta(days=1), datetime.date(1899, 5, 1)):
        with pytest.raises(ValidationError) as exc:
            services.resident_create(acting_user=doctors.a, name="甲", village=county[VILLAGE_A], birth_date=birth)
        assert "birth_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.resident_create(
            acting_user=doctors.a,
            name="乙",
            village=county[VILLAGE_A],
            id_number=make_id_number(datetime.date(1895, 1, 1)),
        )
    assert "身份证号中的出生日期 1895-01-01" in exc.value.message_dict["id_number"][0]
    assert not Resident.objects.exists()


def test_web_form_refuses_future_birth_date(doctors, county, login):
    client = login(doctors.a)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post("/residents/new/", {"name": "未来人", "village": VILLAGE_A, "birth_date": future})
    assert response.status_code == 400
    assert f"出生日期 {future} 晚于今天" in response.content.decode()
    assert not Resident.objects.exists()


def test_web_tag_form_refuses_a_man_tagged_pregnant(doctors, county, login):
    man = services.resident_create(
        acting_user=doctors.a, name="男人", village=county[VILLAGE_A], gender="M", birth_date=years_ago(30)
    )
    client = login(doctors.a)
    response = client.post(f"/residents/{man.pk}/tags/add/", {"tag": "pregnant"}, follow=True)
    assert "“孕产妇”只适用于女性，此人性别为男" in response.content.decode()
    old = services.resident_create(acting_user=doctors.a, name="老人", village=county[VILLAGE_A], birth_date=born(75))
    response = client.post(f"/residents/{old.pk}/tags/add/", {"tag": "student"}, follow=True)
    assert "“在校学生”不适用于" in response.content.decode()
    assert not ResidentTag.objects.exists()
    client.post(f"/residents/{old.pk}/tags/add/", {"tag": "left_behind"})
    assert ResidentTag.objects.get().tag == "left_behind"  # a 75-year-old may be 留守老人


def test_api_post_and_patch_answer_422_under_the_field(doctors, county, login):
    client = login(doctors.a)
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/api/residents/",
        {"name": "甲", "village": VILLAGE_A, "birth_date": future},
        content_type="application/json",
    )
    assert response.status_code == 422 and "晚于今天" in str(response.json()["errors"]["birth_date"])
    woman = services.resident_create(
        acting_user=doctors.a, name="孕妇", village=county[VILLAGE_A], gender="F", birth_date=years_ago(28)
    )
    services.resident_tag_add(acting_user=doctors.a, resident=woman, tag="pregnant")
    student = services.resident_create(
        acting_user=doctors.a, name="学生", village=county[VILLAGE_A], gender="M", birth_date=years_ago(15)
    )
    services.resident_tag_add(acting_user=doctors.a, resident=student, tag="student")
    response = client.patch(f"/api/residents/{woman.pk}/", {"gender": "M"}, content_type="application/json")
    assert response.status_code == 422
    assert "“孕产妇”只适用于女性，此人性别为男" in str(response.json()["errors"]["gender"])
    response = client.patch(
        f"/api/residents/{student.pk}/", {"birth_date": "1950-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422 and "“在校学生”不适用于" in str(response.json()["errors"]["birth_date"])
    response = client.patch(
        f"/api/residents/{student.pk}/", {"birth_date": "1899-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"]["birth_date"]  # the schema's own bound
    woman.refresh_from_db()
    student.refresh_from_db()
    assert woman.gender == "F" and student.birth_date == years_ago(15)


def test_edit_never_reveals_a_health_group_the_user_may_not_see(doctors, county, world, login, monkeypatch):
    woman = services.resident_create(
        acting_user=doctors.a, name="孕妇", village=county[VILLAGE_A], gender="F", birth_date=years_ago(28)
    )
    services.resident_tag_add(acting_user=doctors.a, resident=woman, tag="pregnant")  # a health group
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.MEMBER, ROLE_PERMISSIONS[Role.MEMBER] | {"residents.change"})
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="volunteer")
    response = login(volunteer).patch(f"/api/residents/{woman.pk}/", {"gender": "M"}, content_type="application/json")
    assert response.status_code == 200 and "孕产妇" not in response.content.decode()


# -- import -----------------------------------------------------------------------------------


def test_import_rows_that_contradict_are_refused_under_their_column(tmp_path, doctors, county):
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    man_id = make_id_number(years_ago(30), serial=5)
    text = (
        "姓名,身份证号,性别,出生日期,村,人群分类\n"
        + f"男孕妇,{man_id},,,{VILLAGE_A},孕产妇\n"  # row 2: sex from the ID
        + f"老学生,,女,{born(75, timezone.localdate()).isoformat()},{VILLAGE_A},在校学生、残疾人\n"  # row 3
        + f"未来人,,男,{future},{VILLAGE_A},\n"  # row 4: no ID, future date
        + f"古人,,男,1888-01-01,{VILLAGE_A},\n"  # row 5
        + f"好人,,女,{years_ago(30).isoformat()},{VILLAGE_A},孕产妇\n"  # row 6: fine
    )
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    outcome = engine.run(get_spec("residents"), path, ImportContext(user=doctors.a), commit=True)
    assert not outcome.committed and not Resident.objects.exists()
    found = {(e.row, e.column): e.message for e in outcome.errors}
    assert found[(2, "人群分类")] == "“孕产妇”只适用于女性，此人性别为男"
    assert found[(3, "人群分类")] == "“在校学生”不适用于75岁的居民（限6–35岁）"
    assert "晚于今天" in found[(4, "出生日期")]
    assert "早于 1900-01-01" in found[(5, "出生日期")]
    assert not [key for key in found if key[0] == 6]
