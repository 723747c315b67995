from django.core.management.base import BaseCommand

from xianfeng.demo.seed import DEMO_PASSWORD, seed
from xianfeng.programs.models import OPEN_STATUSES, Enrollment
from xianfeng.servicelog.models import Activity, ServiceRecord


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = seed()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        records, activities = ServiceRecord.objects.count(), Activity.objects.count()
        self.stdout.write(f"服务记录 / service records: {records}　活动 / activities: {activities}")
        followed = Enrollment.objects.live().filter(status__in=OPEN_STATUSES).count()
        self.stdout.write(f"随访与帮扶在管 / under care in programs: {followed}")
        self.stdout.write(f"演示账号 / demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            note = "  (首次登录须改密码 / must change password)" if login.must_change_password else ""
            scope = login.org or login.regions or ""
            if login.regions:
                scope = f"地区 {login.regions}"
            self.stdout.write(
                f"  {login.username:<10} {login.display_name:<6} {login.role.label} · {login.scope.label} {scope}{note}"
            )
