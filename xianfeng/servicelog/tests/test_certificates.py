"""Volunteer service certificates: issuing, numbers, the pages, the public check, the Word file."""

import datetime
import importlib
import io
import re
from decimal import Decimal

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.services import member_search_fields
from xianfeng.members.tests.factories import MemberFactory, make_id_number
from xianfeng.servicelog import certificates
from xianfeng.servicelog.models import VolunteerCertificate

from .factories import ServiceRecordFactory, service_type

TODAY = timezone.localdate()
START = TODAY.replace(month=1, day=1)
ID_NUMBER = make_id_number(serial=321)
NUMBER = re.compile(r"^XF-\d{4}-\d{6}-[2-9A-HJKMNP-Z]{4}$")


def served(member, org, hours=Decimal("2.5"), day=None):
    return ServiceRecordFactory(
        service_type=service_type("free_clinic"),
        org=org,
        served_on=day or START,
        place="210681101200",
        provider=member,
        provider__hours=hours,
    )


@pytest.fixture
def volunteer(world):
    user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol", display_name="王小明")
    member = MemberFactory(
        name="王小明", branch=world.branch_a, user=user, volunteer_no="ZY20260001", id_number=ID_NUMBER
    )
    served(member, world.branch_a)
    return user, member


def issue(user, member, org, **overrides):
    kwargs = dict(
        acting_user=user,
        member=member,
        start=START,
        end=TODAY,
        issuing_org=org,
        person_in_charge="李书记",
        handler="王小明",
        contact="0415-7123456",
    )
    kwargs.update(overrides)
    return certificates.certificate_issue(**kwargs)


def test_a_volunteer_issues_their_own_certificate(world, volunteer):
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    assert NUMBER.match(certificate.number), certificate.number
    assert certificate.number.startswith(f"XF-{TODAY.year}-{certificate.pk:06d}-")
    assert certificate.hours == Decimal("2.5") and certificate.issued_on == TODAY and certificate.issued_by == user
    assert certificate.content == "义诊 1 次"
    logged = ChangeLog.objects.get(model="servicelog.VolunteerCertificate", object_id=str(certificate.pk))
    assert logged.action == ChangeLog.Action.CREATE and logged.after["number"] == certificate.number


def test_numbers_are_unique_and_not_guessable_from_each_other(world, volunteer):
    user, member = volunteer
    numbers = [issue(user, member, world.branch_a).number for _ in range(5)]
    assert len(set(numbers)) == 5
    assert len({n.rsplit("-", 1)[1] for n in numbers}) > 1  # the random suffix differs
    assert certificates.certificate_public_lookup(numbers[0].lower()).number == numbers[0]
    assert certificates.certificate_public_lookup(numbers[0][:-1] + "Z" if numbers[0][-1] != "Z" else "A") is None


def test_a_volunteer_cannot_issue_for_someone_else_or_in_another_orgs_name(world, volunteer):
    user, _member = volunteer
    other = MemberFactory(name="李四", branch=world.branch_a)
    served(other, world.branch_a)
    with pytest.raises(ValidationError) as exc:
        issue(user, other, world.branch_a)
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        issue(user, volunteer[1], world.branch_b)
    assert "issuing_org" in exc.value.message_dict
    assert VolunteerCertificate.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"start": TODAY + datetime.timedelta(days=1), "end": TODAY + datetime.timedelta(days=2)}, "end"),
        ({"start": TODAY, "end": START - datetime.timedelta(days=1)}, "end"),
        ({"start": datetime.date(1990, 1, 1)}, "start"),
        ({"person_in_charge": "  "}, "person_in_charge"),
        ({"contact": "1" * 51}, "contact"),
    ],
)
def test_bad_input_names_the_field(world, volunteer, overrides, field):
    user, member = volunteer
    with pytest.raises(ValidationError) as exc:
        issue(user, member, world.branch_a, **overrides)
    assert field in exc.value.message_dict
    assert VolunteerCertificate.objects.count() == 0


def test_no_certificate_without_hours(world, volunteer):
    user, member = volunteer
    if TODAY == START:
        pytest.skip("on 1 January the only record is today")
    with pytest.raises(ValidationError) as exc:
        issue(user, member, world.branch_a, start=START + datetime.timedelta(days=1))
    assert "start" in exc.value.message_dict


def test_a_clerk_issues_for_a_member_in_scope_only(world, volunteer):
    _user, member = volunteer
    certificate = issue(world.owner, member, world.group_a)
    assert certificate.issuing_org == world.group_a
    stranger = MemberFactory(name="外科人员", branch=world.branch_b)
    served(stranger, world.branch_b)
    with pytest.raises(ValidationError):
        issue(world.owner, stranger, world.branch_a)


# --- pages ---------------------------------------------------------------------------------


def test_a_volunteer_issues_from_the_page_and_opens_the_printable_certificate(client, world, volunteer):
    user, member = volunteer
    client.force_login(user)
    url = reverse("servicelog:certificate_new")
    page = client.get(url, {"member": member.pk, "start": f"{START:%Y-%m-%d}", "end": f"{TODAY:%Y-%m-%d}"})
    text = page.content.decode()
    assert page.status_code == 200 and "2.5" in text and 'value="王小明"' in text  # the handler defaults to the user
    assert 'name="member"' not in text  # a volunteer issues only their own
    response = client.post(
        url,
        {
            "start": f"{START:%Y-%m-%d}",
            "end": f"{TODAY:%Y-%m-%d}",
            "issuing_org": world.branch_a.pk,
            "person_in_charge": "李书记",
            "handler": "王小明",
            "contact": "0415-7123456",
        },
    )
    certificate = VolunteerCertificate.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "servicelog:certificate_detail", args=[certificate.pk]
    )
    detail = client.get(response["Location"]).content.decode()
    assert certificate.number in detail and "ZY20260001" in detail and "2.5" in detail
    assert "data-print" in detail and "js/certificate.js" in detail
    assert f"/servicelog/certificates/verify/?number={certificate.number}" in detail
    assert ID_NUMBER not in detail and ID_NUMBER[:6] + "*" not in detail
    listing = client.get(reverse("servicelog:certificate_list"), {"q": certificate.number[-4:]}).content.decode()
    assert certificate.number in listing


def test_the_form_shows_errors_by_field_and_saves_nothing(client, world, volunteer):
    user, _member = volunteer
    client.force_login(user)
    response = client.post(
        reverse("servicelog:certificate_new"),
        {"start": "2025-13-40", "end": f"{TODAY:%Y-%m-%d}", "issuing_org": world.branch_b.pk},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"start", "issuing_org", "person_in_charge", "contact"} <= set(form.errors)
    assert VolunteerCertificate.objects.count() == 0


def test_a_leader_may_not_issue(client, world):
    client.force_login(world.reader)
    assert client.get(reverse("servicelog:certificate_new")).status_code == 403


def test_the_public_check_shows_the_masked_name_only(client, world, volunteer):
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    client.logout()
    response = client.get(reverse("servicelog:certificate_verify"), {"number": certificate.number})
    text = response.content.decode()
    assert response.status_code == 200
    assert "真实有效" in text and "王*明" in text and "2.5" in text and world.branch_a.name in text
    assert "王小明" not in text and "ZY20260001" not in text and "义诊" not in text and "李书记" not in text
    unknown = client.get(reverse("servicelog:certificate_verify"), {"number": "XF-2026-999999-ABCD"})
    assert "未找到该编号" in unknown.content.decode()
    assert client.get(reverse("servicelog:certificate_verify")).status_code == 200


def test_mask_name():
    assert [certificates.mask_name(n) for n in ("王小明", "王明", "欧阳小明", "王", "")] == [
        "王*明",
        "王*",
        "欧**明",
        "王",
        "",
    ]


def test_the_word_file_has_the_number_hours_and_volunteer_number_but_no_id_number(client, world, volunteer):
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    client.force_login(user)
    response = client.get(reverse("servicelog:certificate_docx", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert certificate.number in text and "2.5" in text and "ZY20260001" in text and "志愿服务证明" in text
    assert ID_NUMBER not in text and ID_NUMBER[:4] not in text
    east_asian = document.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asian == "宋体"


def test_certificates_of_another_branch_are_not_found(client, world, volunteer):
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    client.force_login(world.outsider)
    assert client.get(reverse("servicelog:certificate_detail", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("servicelog:certificate_docx", args=[certificate.pk])).status_code == 404
    assert certificate.number not in client.get(reverse("servicelog:certificate_list")).content.decode()


def test_renaming_the_member_after_issue_leaves_the_certificate_unchanged(client, world, volunteer):
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    assert (certificate.volunteer_name, certificate.volunteer_no) == ("王小明", "ZY20260001")
    member.name, member.volunteer_no = "李晓明", "ZY20269999"
    member_search_fields(member)
    member.save()

    client.force_login(user)
    detail = client.get(reverse("servicelog:certificate_detail", args=[certificate.pk])).content.decode()
    assert "王小明" in detail and "ZY20260001" in detail
    assert "李晓明" not in detail and "ZY20269999" not in detail
    response = client.get(reverse("servicelog:certificate_docx", args=[certificate.pk]))
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "王小明" in text and "ZY20260001" in text and "李晓明" not in text and "ZY20269999" not in text
    listing = client.get(reverse("servicelog:certificate_list")).content.decode()
    assert "王小明" in listing and "李晓明" not in listing
    # Found by the name and number it was issued under, and by the member's current ones.
    for query in ("王小明", "ZY20260001", "李晓明", "ZY20269999"):
        found = client.get(reverse("servicelog:certificate_list"), {"q": query}).content.decode()
        assert certificate.number in found, query
    client.logout()
    public = client.get(reverse("servicelog:certificate_verify"), {"number": certificate.number}).content.decode()
    assert "王*明" in public and "李*明" not in public and "王小明" not in public


def test_the_migration_fills_certificates_issued_before_from_the_member(world, volunteer):
    from django.apps import apps

    migration = importlib.import_module("xianfeng.servicelog.migrations.0003_certificate_as_issued")
    user, member = volunteer
    certificate = issue(user, member, world.branch_a)
    VolunteerCertificate.objects.filter(pk=certificate.pk).update(volunteer_name="", volunteer_no="")
    migration.fill_from_member(apps, None)
    certificate.refresh_from_db()
    assert (certificate.volunteer_name, certificate.volunteer_no) == ("王小明", "ZY20260001")


def test_the_next_certificate_form_remembers_who_signs_for_the_organization(client, world, volunteer):
    user, member = volunteer
    client.force_login(user)
    url = reverse("servicelog:certificate_new")
    blank = client.get(url).content.decode()
    assert "李书记" not in blank
    issue(user, member, world.branch_a)
    again = client.get(url).content.decode()
    assert 'value="李书记"' in again and 'value="0415-7123456"' in again
