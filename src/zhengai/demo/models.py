"""A record of each demo build, so the demo loader knows the master data in the database is its own."""

from __future__ import annotations

from django.db import models


class DemoBuild(models.Model):
    seed = models.BigIntegerField("随机种子")
    students = models.PositiveIntegerField("在校生人数")
    out_dir = models.CharField("导出目录", max_length=500)
    row_counts = models.JSONField("入库行数", default=dict)
    # the gaps planted in the goal chain after the load (demo/goal_chain.py), for `zhengai status`
    goal_gaps = models.JSONField("目标链植入问题", default=dict, blank=True)
    created = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "演示数据生成记录"
        verbose_name_plural = "演示数据生成记录"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"演示学院（种子 {self.seed}，{self.students} 人）"
