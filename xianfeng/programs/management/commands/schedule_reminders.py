from django.core.management.base import BaseCommand

from xianfeng.programs.schedule import next_run_at, schedule_next_reminders


class Command(BaseCommand):
    help = "Schedule the daily reminder digest (once; the run then schedules the next day's)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="send today's digests now as well (once per day)")

    def handle(self, *args, **options):
        schedule_next_reminders()
        self.stdout.write(f"提醒已排期：{next_run_at():%Y-%m-%d %H:%M}")
        if options["now"]:
            from xianfeng.programs.reminders import send_daily_digests

            self.stdout.write(str(send_daily_digests()))
