"""What the round trip compares, printed as one JSON line (run inside ``manage.py shell -c``):
row counts, report figures, every revealed ID number and phone by primary key; with login=True
also whether a demo user can sign in (which writes a login log row, so it runs last)."""

import datetime
import io
import json

from django.core.management import call_command
from django.utils import timezone

from xianfeng.backups import database
from xianfeng.demo.seed import DEMO_PASSWORD
from xianfeng.hotline.models import Call
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Household, Resident

REGION = "210681101"


def _report(*args) -> dict:
    today = timezone.localdate()
    start = max(datetime.date(2000, 1, 1), today - datetime.timedelta(days=20 * 365))
    out = io.StringIO()
    call_command("report", "--from", start.isoformat(), "--to", today.isoformat(), *args, stdout=out)
    return json.loads(out.getvalue())


def _revealed(model, *fields) -> dict:
    return {str(row[0]): list(row[1:]) for row in model._base_manager.order_by("pk").values_list("pk", *fields)}


def main(login: bool = False) -> None:
    org = Organization.objects.get(name="内科党支部")
    result = {
        "counts": database.current_counts(),
        "report_all": _report(),
        "report_org": _report("--org", str(org.pk)),
        "report_region": _report("--region", REGION),
        "residents": _revealed(Resident, "id_number", "phone"),
        "members": _revealed(Member, "id_number", "phone"),
        "households": _revealed(Household, "phone"),
        "hotline": _revealed(Call, "callback_phone"),
    }
    if login:
        from django.contrib.auth import authenticate
        from django.test import RequestFactory

        request = RequestFactory().post("/accounts/login/")
        result["login"] = authenticate(request, username="shuji", password=DEMO_PASSWORD) is not None
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))
