"""Code lists of the standard chain, with their Chinese labels and display colours."""

from django.db import models

from zhengai.org.entities import EntityKind  # the one vocabulary of entities (org.entities)

__all__ = ["EntityKind"]


class Outcome(models.TextChoices):
    PASSED = "passed", "达标"
    WARN = "warn", "预警"
    FAILED = "failed", "未达标"
    NO_DATA = "no_data", "无数据"
    PENDING = "pending", "周期未结束"  # a cumulative value still short of its line before the period ends
    UNSET = "unset", "未设标准"  # a value in a period before any threshold is in force

    @property
    def color(self) -> str:
        return OUTCOME_COLORS[self.value]

    @property
    def badge(self) -> str:
        return OUTCOME_BADGES[self.value]


OUTCOME_COLORS = {
    "passed": "#2fb344",
    "warn": "#f59f00",
    "failed": "#d63939",
    "no_data": "#9aa0ac",
    "pending": "#4299e1",
    "unset": "#c8ccd4",
}
OUTCOME_BADGES = {
    "passed": "bg-green",
    "warn": "bg-orange",
    "failed": "bg-red",
    "no_data": "bg-secondary",
    "pending": "bg-azure",
    "unset": "bg-secondary-lt",
}
# Worst first: used to sort and to pick the headline outcome of a group. 周期未结束 (still short of its
# line) comes before 达标; the outcomes that judge nothing come last.
OUTCOME_SEVERITY = {"failed": 4, "warn": 3, "pending": 2, "passed": 1, "unset": 0, "no_data": 0}
# Outcomes that are a judgement; the others (无数据, 周期未结束, 未设标准) are neither a pass nor a failure.
JUDGED = frozenset({"passed", "warn", "failed"})


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
