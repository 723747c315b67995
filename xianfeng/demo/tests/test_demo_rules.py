"""The demo data obeys the rules every user must obey (xianfeng/residents/rules.py): no birth date
after today or before 1900, no special group that contradicts a person's sex or age."""

import pytest
from django.utils import timezone

from xianfeng.demo.seed import seed
from xianfeng.members.models import Member
from xianfeng.residents import rules
from xianfeng.residents.models import Resident


@pytest.mark.django_db
def test_seeded_people_obey_the_birth_date_and_group_rules():
    seed()
    today = timezone.localdate()
    residents = list(Resident.objects.prefetch_related("tags"))
    members = list(Member.objects.all())
    assert len(residents) > 200 and len(members) > 50
    broken = []
    for person in [*residents, *members]:
        if message := rules.birth_date_error(person.birth_date):
            broken.append(f"{person.name}: {message}")
    for resident in residents:
        for tag in resident.tags.all():
            on = rules.reference_day(tag.valid_to, today)
            if message := rules.tag_error(tag.tag, gender=resident.gender, birth_date=resident.birth_date, on=on):
                broken.append(f"{resident.name}: {message}")
    assert broken == []
    tagged = {t.tag for r in residents for t in r.tags.all()}
    assert {"pregnant", "student", "left_behind"} <= tagged  # the groups with rules still appear
