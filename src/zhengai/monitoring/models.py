"""Evaluation runs, the current state of every indicator for every entity, and status changes.

The full measurement history lives in the data center (Parquet, see history.py); the app database
keeps what workflows need: the latest judged period per indicator and entity, and a status-change
row only when an outcome (or its tier) changes, which is what alerts are driven from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhengai.indicators.choices import EntityKind, Outcome
from zhengai.indicators.models import Indicator, Threshold
from zhengai.monitoring.choices import RunStatus


class EvaluationRun(models.Model):
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    engine = models.CharField(
        "计算引擎", max_length=16, default="duckdb", choices=[("duckdb", "DuckDB（本机）"), ("spark", "Spark（集群）")]
    )
    indicator_codes = models.JSONField("指标", default=list, blank=True, help_text="空 = 全部启用的指标")
    periods = models.JSONField("周期", default=list, blank=True, help_text="空 = 已开始的全部周期")
    since = models.DateField("自此日期起的周期", null=True, blank=True)
    entities = models.JSONField(
        "只算这些对象",
        default=dict,
        blank=True,
        help_text="{对象类型: [代码…]}；空 = 全部对象。实时计算只算批次涉及的对象",
    )
    import_run = models.ForeignKey(
        "datacenter.ImportRun", verbose_name="触发的采集批次", null=True, blank=True, on_delete=models.SET_NULL
    )
    backfill = models.BooleanField(
        "补录历史", default=False, help_text="只记录较早周期的监测值与状态，不打开、更新或恢复预警"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL
    )
    worker = models.CharField("执行进程", max_length=128, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    indicators_count = models.PositiveIntegerField("指标数", default=0)
    measurements_count = models.PositiveIntegerField("监测值数", default=0)
    history_rows = models.PositiveIntegerField("写入历史的行数", default=0)
    states_changed = models.PositiveIntegerField("更新的当前状态数", default=0)
    status_changes = models.PositiveIntegerField("状态变化数", default=0)
    versions = models.JSONField("读取的数据版本", default=dict, blank=True)
    timings = models.JSONField("用时（秒）", default=dict, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "计算批次"
        verbose_name_plural = "计算批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"计算批次 #{self.pk}"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class IndicatorState(models.Model):
    """The latest judged period of one indicator for one entity."""

    indicator = models.ForeignKey(Indicator, verbose_name="指标", related_name="states", on_delete=models.CASCADE)
    entity_kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices)
    entity_key = models.CharField("对象代码", max_length=64)
    entity_name = models.CharField("对象名称", max_length=128, blank=True)
    org_unit = models.CharField("所属部门代码", max_length=32, blank=True, db_index=True)
    group = models.CharField("分组", max_length=32, blank=True)
    period = models.CharField("周期", max_length=16)
    period_start = models.DateField("周期开始")
    value = models.FloatField("监测值", null=True, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    tier = models.CharField("等级", max_length=16, blank=True)
    deviation = models.FloatField("与目标值偏差", null=True, blank=True)
    threshold = models.ForeignKey(Threshold, verbose_name="所用阈值", null=True, blank=True, on_delete=models.SET_NULL)
    batches = models.CharField("数据批次", max_length=500, blank=True)
    run = models.ForeignKey(EvaluationRun, verbose_name="计算批次", null=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField("结果变化时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "指标当前状态"
        verbose_name_plural = "指标当前状态"
        constraints = [models.UniqueConstraint(fields=["indicator", "entity_key"], name="uniq_indicator_entity_state")]
        indexes = [
            models.Index(fields=["indicator", "outcome"]),
            models.Index(fields=["entity_kind", "entity_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.entity_key} {self.period} {self.outcome}"


class StatusChange(models.Model):
    """An outcome (or tier) that changed: written only on a transition, never on a re-run."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", related_name="status_changes", on_delete=models.CASCADE
    )
    entity_kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices)
    entity_key = models.CharField("对象代码", max_length=64)
    entity_name = models.CharField("对象名称", max_length=128, blank=True)
    org_unit = models.CharField("所属部门代码", max_length=32, blank=True)
    period = models.CharField("周期", max_length=16)
    previous_outcome = models.CharField("原结果", max_length=16, choices=Outcome.choices, blank=True)
    outcome = models.CharField("新结果", max_length=16, choices=Outcome.choices)
    previous_tier = models.CharField("原等级", max_length=16, blank=True)
    tier = models.CharField("新等级", max_length=16, blank=True)
    value = models.FloatField("监测值", null=True, blank=True)
    run = models.ForeignKey(EvaluationRun, verbose_name="计算批次", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("发生时间", db_index=True)

    class Meta:
        verbose_name = "状态变化"
        verbose_name_plural = "状态变化"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["indicator", "entity_key"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.entity_key}: {self.previous_outcome or '—'} → {self.outcome}"
