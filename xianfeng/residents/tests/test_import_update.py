"""Re-importing a register: residents already registered (by ID number, within the user's
change scope) are updated or left unchanged; the user chooses "create only" or "create and update"."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.accounts.personal import not_here_message, personal_reveal
from xianfeng.audit.models import ChangeLog
from xianfeng.imports import engine
from xianfeng.imports.models import ImportJob
from xianfeng.imports.spec import CREATE, MODE_CREATE, MODE_UPDATE, UNCHANGED, UPDATE, ImportContext, get_spec
from xianfeng.residents import importing, services
from xianfeng.residents.models import Household, HouseholdTag, Resident, ResidentTag

from .factories import VILLAGE_A, VILLAGE_A2, VILLAGE_B, ResidentFactory, make_id_number

HEADER = "姓名,身份证号,联系电话,所属村,家庭住址,户编号,与户主关系,人群分类,备注\n"


def person(n: int) -> dict:
    return {
        "name": f"居民{n}",
        "id": make_id_number(datetime.date(1960, 1, 1) + datetime.timedelta(days=n), serial=n),
        "phone": f"139{n:08d}",
        "village": VILLAGE_A,
        "address": f"东街{n}号",
        "household": "",
        "relation": "",
        "tags": "",
        "note": "",
    }


def csv(people: list[dict]) -> str:
    keys = ("name", "id", "phone", "village", "address", "household", "relation", "tags", "note")
    return HEADER + "".join(",".join(p[k] for k in keys) + "\n" for p in people)


def write(tmp_path, text: str, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, user, *, mode=MODE_UPDATE, commit=False):
    return engine.run(get_spec("residents"), path, ImportContext(user=user, options={"mode": mode}), commit=commit)


def updates():
    return ChangeLog.objects.filter(model="residents.Resident", action=ChangeLog.Action.UPDATE)


@pytest.fixture
def register(tmp_path, doctors, county):
    """Fifteen residents registered by an import, and the file that registered them."""
    people = [person(n) for n in range(1, 16)]
    outcome = run(write(tmp_path, csv(people), "first.csv"), doctors.a, commit=True)
    assert outcome.committed and outcome.created == 15
    return people


def test_reimporting_the_same_file_changes_nothing_in_either_mode(tmp_path, doctors, register):
    path = write(tmp_path, csv(register))
    before = {r.pk: r.updated_at for r in Resident.objects.all()}
    outcome = run(path, doctors.a)
    assert outcome.ok and outcome.planned == {CREATE: 0, UPDATE: 0, UNCHANGED: 15}
    assert not outcome.changed_columns
    for mode in (MODE_CREATE, MODE_UPDATE):
        outcome = run(path, doctors.a, mode=mode, commit=True)
        assert outcome.committed and (outcome.created, outcome.updated) == (0, 0)
    assert {r.pk: r.updated_at for r in Resident.objects.all()} == before
    assert not updates().exists()


def test_ten_changed_phones_update_exactly_ten_residents(tmp_path, doctors, register):
    people = [dict(p) for p in register]
    for p in people[:10]:
        p["phone"] = "137" + p["phone"][3:]
    people += [person(40), person(41)]  # two new residents
    path = write(tmp_path, csv(people))

    outcome = run(path, doctors.a)
    assert outcome.ok and outcome.planned == {CREATE: 2, UPDATE: 10, UNCHANGED: 5}
    assert outcome.changed_columns == {"phone": 10}

    # Create only: the two new residents are written, the ten stay as they were.
    outcome = run(path, doctors.a, mode=MODE_CREATE, commit=True)
    assert outcome.committed and (outcome.created, outcome.updated) == (2, 0)
    assert Resident.objects.count() == 17 and not updates().exists()
    assert Resident.objects.get(name="居民1").phone == register[0]["phone"]

    # Create and update: exactly the ten change, each with its ChangeLog row.
    outcome = run(path, doctors.a, mode=MODE_UPDATE, commit=True)
    assert outcome.committed and (outcome.created, outcome.updated) == (0, 10)
    assert Resident.objects.count() == 17
    logs = updates()
    assert logs.count() == 10
    assert all(log.before["phone"] == "(已加密)" and log.after["phone"] == "(已加密，已修改)" for log in logs)
    assert "13700000001" not in str(logs.values_list("before", "after"))
    for p in people[:15]:
        resident = Resident.objects.get(name=p["name"])
        shown = personal_reveal(acting_user=doctors.a, obj=resident, fields=["phone"], reason="核对导入")
        assert shown["phone"] == p["phone"]
    assert set(logs.values_list("object_id", flat=True)) == {
        str(pk)
        for pk in Resident.objects.filter(name__in=[p["name"] for p in people[:10]]).values_list("pk", flat=True)
    }


def test_empty_cells_never_blank_and_tags_are_only_added(tmp_path, doctors, register):
    resident = Resident.objects.get(name="居民1")
    services.resident_tag_add(acting_user=doctors.a, resident=resident, tag="hubei_family")
    people = [dict(register[0], phone="", address="", note="新备注", tags="残疾人、留守老人")]
    outcome = run(write(tmp_path, csv(people)), doctors.a)
    assert outcome.planned[UPDATE] == 1 and outcome.changed_columns == {"note": 1, "tags": 1}
    outcome = run(write(tmp_path, csv(people)), doctors.a, commit=True)
    assert outcome.updated == 1
    resident.refresh_from_db()
    assert resident.phone == register[0]["phone"] and resident.address == register[0]["address"]
    assert resident.note == "新备注"
    assert set(ResidentTag.objects.filter(resident=resident).values_list("tag", flat=True)) == {
        "hubei_family",
        "disabled",
        "left_behind",
    }
    log = updates().get(note__startswith="批量导入更新")
    # Health groups are not named in the log, which everyone who sees the resident reads.
    assert "留守老人/儿童" in log.note and "健康类人群分类" in log.note and "残疾人" not in log.note


def test_out_of_scope_id_gets_the_not_here_answer_in_both_modes(tmp_path, doctors, county):
    other = person(30)
    services.resident_create(acting_user=doctors.b, name="外镇人", village=county[VILLAGE_B], id_number=other["id"])
    for mode in (MODE_CREATE, MODE_UPDATE):
        outcome = run(write(tmp_path, csv([other])), doctors.a, mode=mode, commit=True)
        assert not outcome.committed
        assert [e.message for e in outcome.errors] == [not_here_message()]
    assert Resident.objects.get().name == "外镇人"


def test_an_update_that_leaves_the_users_scope_rolls_back_the_file(tmp_path, doctors, register, monkeypatch):
    # Suppose a village outside the user's scope got past the village check: the re-check after
    # the write refuses it and nothing at all is written.
    original = importing.VillageResolver.resolve

    def resolve(self, text):
        return (VILLAGE_B, "") if text == VILLAGE_B else original(self, text)

    monkeypatch.setattr(importing.VillageResolver, "resolve", resolve)
    people = [dict(register[0], note="改了"), dict(register[1], village=VILLAGE_B), person(50)]
    outcome = run(write(tmp_path, csv(people)), doctors.a, commit=True)
    assert not outcome.committed and "已全部回滚" in outcome.file_problem
    assert Resident.objects.count() == 15 and not Resident.objects.filter(note="改了").exists()
    assert Resident.objects.get(name="居民2").village_id == VILLAGE_A and not updates().exists()


def test_moving_a_village_or_household_is_left_to_the_resident_page(tmp_path, doctors, county):
    household = Household.objects.create(village_id=VILLAGE_A, number="H1")
    p1, p2 = person(1), person(2)
    for p, hh in ((p1, household), (p2, None)):
        services.resident_create(
            acting_user=doctors.a,
            name=p["name"],
            village=county[VILLAGE_A],
            id_number=p["id"],
            phone=p["phone"],
            address=p["address"],
            household=hh,
        )
    Household.objects.create(village_id=VILLAGE_A, number="H2")
    rows = [dict(p1, village=VILLAGE_A2), dict(p2, household="H2", tags="低保户")]
    outcome = run(write(tmp_path, csv(rows)), doctors.a)
    messages = {(e.row, e.column): e.message for e in outcome.errors}
    assert "请先在居民页面调整其所在户" in messages[(2, "所属村")]
    assert outcome.planned[UPDATE] == 1 and outcome.changed_columns == {"household_number": 1, "tags": 1}
    # A resident without a household joins an existing one named by its number.
    outcome = run(write(tmp_path, csv(rows[1:])), doctors.a, commit=True)
    assert outcome.updated == 1
    joined = Resident.objects.get(name=p2["name"])
    assert joined.household.number == "H2" and HouseholdTag.objects.get(household=joined.household).tag == "dibao"
    # Already in a household: another household number is refused with how to move a member.
    outcome = run(write(tmp_path, csv([dict(p1, household="H2")])), doctors.a)
    assert "不会把居民移到另一户" in outcome.errors[0].message


def test_merged_record_is_refused_clearly(tmp_path, doctors, county):
    keeper = ResidentFactory(name="保留")
    p = person(3)
    duplicate = ResidentFactory(name=p["name"], merged_into=keeper)
    services_field = Resident._meta.get_field("id_number_index")
    Resident.objects.filter(pk=duplicate.pk).update(id_number_index=services_field.compute(p["id"]))
    outcome = run(write(tmp_path, csv([dict(p, note="x")])), doctors.a)
    assert "已合并到其他居民" in outcome.errors[0].message


def test_rows_without_id_number_are_always_created(tmp_path, doctors, register):
    people = [dict(register[0], id="")]
    outcome = run(write(tmp_path, csv(people)), doctors.a)
    assert outcome.planned == {CREATE: 1, UPDATE: 0, UNCHANGED: 0}


def test_an_export_reimported_with_ten_changed_phones_updates_ten(tmp_path, doctors, register, login):
    """The round trip a clerk makes each year: export the register in full, correct ten phones
    in Excel, upload it, choose "create and update"."""
    client = login(doctors.a)
    response = client.get("/residents/export/", {"unmasked": "on", "reason": "年度核对"})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    phone = headers.index("联系电话") + 1
    changed = {}
    for row in range(2, 12):
        name = sheet.cell(row=row, column=1).value
        changed[name] = "136" + sheet.cell(row=row, column=phone).value[3:]
        sheet.cell(row=row, column=phone).value = changed[name]
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        reverse("imports:upload", args=["residents"]), {"file": SimpleUploadedFile("居民名单.xlsx", buffer.getvalue())}
    )
    job = ImportJob.objects.latest("pk")
    assert job.error_count == 0, (job.message, job.issues)
    assert (job.plan["create"], job.plan["update"], job.plan["unchanged"]) == (0, 10, 5)
    client.post(reverse("imports:commit", args=[job.pk]), {"mode": MODE_UPDATE})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED and job.updated_count == 10, job.message
    assert updates().count() == 10
    for name, number in changed.items():
        assert Resident.objects.get(name=name).phone == number
