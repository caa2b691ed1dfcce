"""Code lists of the standard chain, with their Chinese labels and display colours."""

from django.db import models

from zhengai.org.entities import EntityKind  # the one vocabulary of entities (org.entities)

__all__ = ["EntityKind"]


class Outcome(models.TextChoices):
    PASSED = "passed", "达标"
    WARN = "warn", "预警"
    FAILED = "failed", "未达标"
    NO_DATA = "no_data", "无数据"

    @property
    def color(self) -> str:
        return OUTCOME_COLORS[self.value]

    @property
    def badge(self) -> str:
        return OUTCOME_BADGES[self.value]


OUTCOME_COLORS = {"passed": "#2fb344", "warn": "#f59f00", "failed": "#d63939", "no_data": "#9aa0ac"}
OUTCOME_BADGES = {"passed": "bg-green", "warn": "bg-orange", "failed": "bg-red", "no_data": "bg-secondary"}
# Worst first: used to sort and to pick the headline outcome of a group.
OUTCOME_SEVERITY = {"failed": 3, "warn": 2, "passed": 1, "no_data": 0}


class Direction(models.TextChoices):
    HIGHER = "higher", "越高越好"
    LOWER = "lower", "越低越好"
    RANGE = "range", "在区间内为好"


class PeriodKind(models.TextChoices):
    TERM = "term", "学期"
    ACADEMIC_YEAR = "academic_year", "学年"
    CALENDAR_YEAR = "calendar_year", "自然年"
    POINT = "point", "时点"
    MONTH = "month", "月"


class Comparison(models.TextChoices):
    GE = ">=", "≥"
    GT = ">", "＞"
    LE = "<=", "≤"
    LT = "<", "＜"
    EQ = "==", "＝"
    BETWEEN = "between", "介于"


class ThresholdOrigin(models.TextChoices):
    SHIPPED = "shipped", "内置"
    EDITED = "edited", "本校设定"
