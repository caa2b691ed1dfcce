"""The catalogue in the app database: every indicator (shipped or the college's own) and its thresholds.

Shipped declarations come from the YAML files in the package; `shipped` keeps them as loaded and
`override` keeps what the college changed, so a shipped indicator is overridden, never silently
changed, and can be reset. Thresholds are rows with effective dates: a new standard is a new row
from a date, so periods before it keep the threshold they were judged by.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models

from zhengai.indicators import choices
from zhengai.indicators.declarations import LEVELS, SYSTEMS, parse_indicator
from zhengai.indicators.declarations import Indicator as Declaration
from zhengai.indicators.thresholds import Line, Thresholds, Tier
from zhengai.lib.fields import OrderedJSONField


class Indicator(models.Model):
    code = models.CharField("指标代码", max_length=32, unique=True)
    name = models.CharField("指标名称", max_length=64)
    level = models.CharField("层面", max_length=16, choices=list(LEVELS.items()))
    entity = models.CharField("监测对象", max_length=16, choices=choices.EntityKind.choices)
    system = models.CharField("五纵系统", max_length=16, choices=list(SYSTEMS.items()))
    dimension = models.CharField("维度", max_length=32, blank=True)
    control_point = models.CharField("质控点", max_length=64, blank=True)
    period = models.CharField("周期", max_length=16, choices=choices.PeriodKind.choices)
    owner = models.CharField("责任部门代码", max_length=32, blank=True)
    shipped = OrderedJSONField("内置定义", null=True, blank=True)
    override = OrderedJSONField("本校修改", default=dict, blank=True)
    is_custom = models.BooleanField("本校自建", default=False)
    enabled = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("顺序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def raw(self) -> dict:
        return {**(self.shipped or {}), **(self.override or {})}

    @property
    def is_overridden(self) -> bool:
        return bool(self.override) and not self.is_custom

    def declaration(self) -> Declaration:
        raw = self.raw
        key = (self.code, json.dumps(raw, ensure_ascii=False, sort_keys=False))
        found = _PARSED.get(key)
        if found is None:
            found = parse_indicator(raw, origin="本校修改" if self.override else "内置目录")
            if len(_PARSED) > 2000:
                _PARSED.clear()
            _PARSED[key] = found
        return found


# Parsed declarations by their exact text: a long-lived worker parses each version once.
_PARSED: dict[tuple[str, str], Declaration] = {}


class Threshold(models.Model):
    """目标值 / 标准值 / 预警值 of an indicator, for an entity group, from a date on."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", related_name="threshold_rows", on_delete=models.CASCADE
    )
    group = models.CharField("适用分组", max_length=32, blank=True, help_text="空 = 所有对象")
    effective_from = models.DateField("生效日期")
    origin = models.CharField("来源", max_length=16, choices=choices.ThresholdOrigin.choices)
    standard_op = models.CharField("标准值比较", max_length=8, choices=choices.Comparison.choices, blank=True)
    standard_value = models.FloatField("标准值", null=True, blank=True)
    standard_high = models.FloatField("标准值上限", null=True, blank=True)
    warning_op = models.CharField("预警值比较", max_length=8, choices=choices.Comparison.choices, blank=True)
    warning_value = models.FloatField("预警值", null=True, blank=True)
    warning_high = models.FloatField("预警值上限", null=True, blank=True)
    target_op = models.CharField("目标值比较", max_length=8, choices=choices.Comparison.choices, blank=True)
    target_value = models.FloatField("目标值", null=True, blank=True)
    target_high = models.FloatField("目标值上限", null=True, blank=True)
    tiers = models.JSONField("分级", default=list, blank=True)
    note = models.TextField("说明", blank=True)
    verified = models.BooleanField("已核实", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    class Meta:
        verbose_name = "阈值"
        verbose_name_plural = "阈值"
        ordering = ["indicator", "group", "-effective_from", "-id"]
        indexes = [models.Index(fields=["indicator", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.group or '全部'} 自 {self.effective_from}"

    def _line(self, prefix: str) -> Line | None:
        op = getattr(self, f"{prefix}_op")
        value = getattr(self, f"{prefix}_value")
        if not op or value is None:
            return None
        return Line(op, value, getattr(self, f"{prefix}_high"))

    @property
    def standard(self) -> Line | None:
        return self._line("standard")

    @property
    def warning(self) -> Line | None:
        return self._line("warning")

    @property
    def target(self) -> Line | None:
        return self._line("target")

    def thresholds(self) -> Thresholds:
        tiers = tuple(
            Tier(t["label"], t.get("color", ""), Line(t["op"], t["value"], t.get("high"))) for t in self.tiers
        )
        return Thresholds(self.standard, self.warning, self.target, tiers)

    def set_lines(self, thresholds: Thresholds) -> None:
        for prefix in ("standard", "warning", "target"):
            line = getattr(thresholds, prefix)
            setattr(self, f"{prefix}_op", line.op if line else "")
            setattr(self, f"{prefix}_value", line.value if line else None)
            setattr(self, f"{prefix}_high", line.high if line else None)
        self.tiers = [
            {"label": t.label, "color": t.color, "op": t.line.op, "value": t.line.value, "high": t.line.high}
            for t in thresholds.tiers
        ]

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "effective_from": self.effective_from.isoformat(),
            "standard": self.standard.as_text() if self.standard else "",
            "warning": self.warning.as_text() if self.warning else "",
            "target": self.target.as_text() if self.target else "",
            "tiers": self.tiers,
            "note": self.note,
        }
