"""The background worker's heartbeat (issue 15 §2): one row per worker process.

The row is written by the worker itself (``manage.py db_worker``, xianfeng/health/heartbeat.py)
and read by /readyz and the administrators' status page. It holds no personal data: a task is
shown by its name only, never its arguments.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(_("进程标识"), max_length=64, unique=True)  # host:pid
    hostname = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    queues = models.CharField(_("队列"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("启动时间"))
    last_seen_at = models.DateTimeField(_("最近心跳"), db_index=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    tasks_done = models.PositiveIntegerField(_("已完成任务"), default=0)
    current_task = models.CharField(_("当前任务"), max_length=200, blank=True)
    current_task_since = models.DateTimeField(_("当前任务开始"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("后台任务进程")
        verbose_name_plural = _("后台任务进程")

    def __str__(self) -> str:
        return self.worker_id
