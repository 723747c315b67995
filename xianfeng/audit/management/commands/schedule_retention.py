from django.core.management.base import BaseCommand, CommandError

from xianfeng.audit.schedule import next_run_at, schedule_next_retention


class Command(BaseCommand):
    help = (
        "Schedule the nightly retention run at RETENTION_HOUR (Beijing time): archive audit logs older "
        "than AUDIT_RETENTION_DAYS and delete expired uploads. Run once at start-up; each run "
        "schedules the next. --now also runs it now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="also run the retention now, in this process")

    def handle(self, *args, **options):
        scheduled = schedule_next_retention()
        if scheduled is None:
            self.stdout.write("this tasks backend cannot defer a task: nothing scheduled")
        else:
            self.stdout.write(f"保存期限任务已排期：{next_run_at():%Y-%m-%d %H:%M}")
        if options["now"]:
            from xianfeng.audit.retention import retention_run

            outcome = retention_run()
            for line in outcome.lines:
                self.stdout.write(line)
            for problem in outcome.problems:
                self.stdout.write(f"PROBLEM: {problem}")
            if outcome.problems:
                raise CommandError("the retention run met problems (above)", returncode=1)
