"""The last round of each periodic job, kept in the database so that every worker sees it.

A round is claimed by a conditional update on `rounds` (see services.job_claim): of two workers that
read the same state, only the first update matches, so a round never runs twice.
"""

from __future__ import annotations

from django.db import models


class JobState(models.Model):
    name = models.CharField("任务", max_length=100, unique=True)
    rounds = models.PositiveIntegerField("已开始轮数", default=0)
    last_started_at = models.DateTimeField("最近开始", null=True, blank=True)
    last_finished_at = models.DateTimeField("最近结束", null=True, blank=True)
    last_succeeded_at = models.DateTimeField("最近成功", null=True, blank=True)
    last_result = models.CharField("最近结果", max_length=500, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    worker = models.CharField("执行进程", max_length=100, blank=True)

    class Meta:
        verbose_name = "定时任务状态"
        verbose_name_plural = "定时任务状态"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
