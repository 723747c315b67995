"""``manage.py db_worker``: django-tasks-db's worker, with a heartbeat (issue 15 §2).

Same name and options as the library's command (this app comes before django_tasks_db in
INSTALLED_APPS), so ``make run``, ``make worker`` and deployments keep working. Without
--worker-id the worker is named host:pid, the name its heartbeat row and the task results'
worker_ids carry. See xianfeng/health/heartbeat.py for why the beat runs in a thread.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as library

from xianfeng.health.heartbeat import Heartbeat, default_worker_id


class BeatingWorker(library.Worker):
    """The library's worker loop; each task tells the heartbeat what it runs."""

    def __init__(self, *, heartbeat: Heartbeat, **kwargs):
        super().__init__(**kwargs)
        self.heartbeat = heartbeat

    def run_task(self, db_task_result) -> None:
        # The task's name only: its arguments may name a person (PIPL; issue 15 §2).
        self.heartbeat.task_started(db_task_result.task_path)
        try:
            super().run_task(db_task_result)
        finally:
            self.heartbeat.task_finished()

    def run_beating(self) -> None:
        # start() inside the try: the library's SIGTERM handler exits with sys.exit(0) wherever the
        # main thread is, also while the first heartbeat row is being written (CI caught a worker
        # stopped right after it started that stayed "lost" instead of "stopped").
        try:
            self.heartbeat.start()
            self.run()
        finally:  # a clean exit (signal, --batch, --max-tasks): down at once, not after the stale window
            self.heartbeat.stop()


class Command(library.Command):
    help = "Run a database background worker (with a heartbeat for /readyz and the status page)"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None)  # host:pid, decided in the process that runs the tasks

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options) -> None:  # fmt: skip
        self.configure_logging(verbosity)
        if reload and batch:
            library.logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise library.CommandError("--exclude-queues can only be used with --queue-name=*")

        name = worker_id or default_worker_id()  # each process its own: the reloader's child has its pid
        worker = BeatingWorker(
            heartbeat=Heartbeat(worker_id=name, queues=queue_name),
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=name,
            excluded_queue_names=excluded,
        )
        if reload:
            # Only the reloader's child runs tasks (and beats); the parent just restarts it. The
            # child runs the loop in a thread: its clean exit is marked by the heartbeat's atexit.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run_beating)
        else:
            worker.configure_signals()
            worker.run_beating()
