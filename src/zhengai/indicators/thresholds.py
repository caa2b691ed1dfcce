"""Judging a value against its thresholds. Pure: values in, values out; no database, no clock.

A threshold set holds up to three typed lines, each a comparison the value should satisfy:

* 标准值 (standard) — the line that must be met; failing it is 未达标;
* 预警值 (warning) — an earlier line; meeting the standard but failing this is 预警;
* 目标值 (target) — what the unit aims for; it does not change the outcome, it gives the deviation.

Tiers (e.g. 学业预警 蓝/黄/橙/红) name bands of the value for display and routing; each tier is a
comparison too, and the last tier that holds wins. No value is never a failure: it is 无数据; a value
with no threshold in force is 未设标准; a cumulative value still short of its line before its period
ends is 周期未结束. None of the three is a pass.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from zhengai.indicators.choices import Comparison, Outcome

_LINE = re.compile(r"^\s*(>=|<=|==|>|<|≥|≤|＝|between)\s*(-?[\d.]+)(?:\s*(?:,|~|～|-|至|and)\s*(-?[\d.]+))?\s*$")
_SYMBOLS = {"≥": ">=", "≤": "<=", "＝": "=="}


@dataclass(frozen=True)
class Line:
    """One comparison the value should satisfy, e.g. ``<= 18`` or ``between 0.9 and 1.1``."""

    op: str
    value: float
    high: float | None = None

    @classmethod
    def parse(cls, text: str | float | int | None) -> Line | None:
        if text is None or text == "":
            return None
        if isinstance(text, (int, float)):
            raise ValueError(f"阈值“{text}”缺少比较符，应写成如 “>= 0.6” 或 “<= 18”")
        m = _LINE.match(str(text))
        if not m:
            raise ValueError(f"阈值“{text}”格式不对，应写成如 “>= 0.6”、“<= 18” 或 “between 0.9, 1.1”")
        op = _SYMBOLS.get(m.group(1), m.group(1))
        value = float(m.group(2))
        high = float(m.group(3)) if m.group(3) is not None else None
        if op == Comparison.BETWEEN and (high is None or high < value):
            raise ValueError(f"阈值“{text}”是区间，需要下限和上限，且下限不大于上限")
        if op != Comparison.BETWEEN and high is not None:
            raise ValueError(f"阈值“{text}”只有区间（between）才写两个数")
        return cls(op, value, high)

    def holds(self, value: float) -> bool:
        op = self.op
        if op == ">=":
            return value >= self.value
        if op == ">":
            return value > self.value
        if op == "<=":
            return value <= self.value
        if op == "<":
            return value < self.value
        if op == "==":
            return math.isclose(value, self.value, rel_tol=1e-12, abs_tol=1e-12)
        return self.value <= value <= (self.high if self.high is not None else self.value)

    def holds_array(self, values: np.ndarray) -> np.ndarray:
        op = self.op
        with np.errstate(invalid="ignore"):
            if op == ">=":
                return values >= self.value
            if op == ">":
                return values > self.value
            if op == "<=":
                return values <= self.value
            if op == "<":
                return values < self.value
            if op == "==":
                return np.isclose(values, self.value, rtol=1e-12, atol=1e-12)
            return (values >= self.value) & (values <= (self.high if self.high is not None else self.value))

    def short_of(self, value: float) -> bool:
        """The value fails the line by being below what it asks (it could still rise to meet it)."""
        if self.op == ">":
            return value <= self.value
        return self.op in (">=", "between", "==") and value < self.value

    def short_of_array(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            if self.op == ">":
                return values <= self.value
            if self.op in (">=", "between", "=="):
                return values < self.value
        return np.zeros(len(values), dtype=bool)

    def deviation(self, value: float) -> float:
        """Distance from the target, signed: from the nearest edge of a range (0 inside it), else from the
        value (218 against 240～640 is −22, not −222)."""
        if self.op == Comparison.BETWEEN and self.high is not None:
            return value - self.value if value < self.value else (value - self.high if value > self.high else 0.0)
        return value - self.value

    def deviation_array(self, values: np.ndarray) -> np.ndarray:
        if self.op == Comparison.BETWEEN and self.high is not None:
            below, above = values - self.value, values - self.high
            inside = np.where(np.isnan(values), np.nan, 0.0)
            return np.where(values < self.value, below, np.where(values > self.high, above, inside))
        return values - self.value

    @property
    def anchor(self) -> float:
        """The number a deviation is measured from (the middle of a range)."""
        return (self.value + self.high) / 2 if self.op == Comparison.BETWEEN and self.high is not None else self.value

    def __str__(self) -> str:
        if self.op == Comparison.BETWEEN:
            return f"{_fmt(self.value)}～{_fmt(self.high)}"
        return f"{Comparison(self.op).label} {_fmt(self.value)}"

    def as_text(self) -> str:
        if self.op == Comparison.BETWEEN:
            return f"between {_fmt(self.value)}, {_fmt(self.high)}"
        return f"{self.op} {_fmt(self.value)}"


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


@dataclass(frozen=True)
class Tier:
    label: str
    color: str
    line: Line


@dataclass(frozen=True)
class Thresholds:
    standard: Line | None = None
    warning: Line | None = None
    target: Line | None = None
    tiers: tuple[Tier, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    deviation: float | None  # value − target (signed; from the nearest edge of a range), None without one
    tier: str = ""


def evaluate(value: float | None, thresholds: Thresholds | None, *, open_period: bool = False) -> Judgement:
    """The outcome of one value: 未达标 if it fails 标准值, 预警 if it fails 预警值, else 达标.

    No value is 无数据; no threshold in force is 未设标准. In an `open_period` (a cumulative value before
    its period ends) a value that fails a line only by being still short of it is 周期未结束: it may yet
    reach the line. A value already past a ceiling is judged: it cannot come back.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Judgement(Outcome.NO_DATA, None, "")
    if thresholds is None:
        return Judgement(Outcome.UNSET, None, "")
    value = float(value)
    tier = ""
    for t in thresholds.tiers:
        if t.line.holds(value):
            tier = t.label
    failing = None
    if thresholds.standard is not None and not thresholds.standard.holds(value):
        outcome, failing = Outcome.FAILED, thresholds.standard
    elif thresholds.warning is not None and not thresholds.warning.holds(value):
        outcome, failing = Outcome.WARN, thresholds.warning
    else:
        outcome = Outcome.PASSED
    deviation = thresholds.target.deviation(value) if thresholds.target is not None else None
    if open_period and failing is not None and failing.short_of(value):
        return Judgement(Outcome.PENDING, deviation, "")
    return Judgement(outcome, deviation, tier)


OUTCOME_CODES = np.array(
    [Outcome.NO_DATA.value, Outcome.PASSED.value, Outcome.WARN.value, Outcome.FAILED.value, Outcome.PENDING.value]
)


def evaluate_array(
    values: np.ndarray, thresholds: Thresholds | None, *, open_period: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`evaluate` over an array of floats (NaN = no value): outcomes, deviations and tiers.

    Gives exactly what `evaluate` gives value by value (a test holds the two together); it exists
    because an evaluation run judges hundreds of thousands of measurements.
    """
    values = np.asarray(values, dtype="float64")
    missing = np.isnan(values)
    if thresholds is None:
        outcomes = np.where(missing, Outcome.NO_DATA.value, Outcome.UNSET.value).astype(object)
        return outcomes, np.full(len(values), np.nan), np.full(len(values), "", dtype=object)
    code = np.ones(len(values), dtype=np.int8)  # 1 = passed
    short = np.zeros(len(values), dtype=bool)
    if thresholds.warning is not None:
        fails = ~thresholds.warning.holds_array(values)
        code[fails] = 2
        short[fails] = thresholds.warning.short_of_array(values)[fails]
    if thresholds.standard is not None:
        fails = ~thresholds.standard.holds_array(values)
        code[fails] = 3
        short[fails] = thresholds.standard.short_of_array(values)[fails]
    code[missing] = 0
    if open_period:
        code[short & (code >= 2) & ~missing] = 4
    outcomes = OUTCOME_CODES[code]
    if thresholds.target is not None:
        with np.errstate(invalid="ignore"):
            deviation = thresholds.target.deviation_array(values)
    else:
        deviation = np.full(len(values), np.nan)
    tiers = np.full(len(values), "", dtype=object)
    for t in thresholds.tiers:
        tiers[t.line.holds_array(values) & ~missing & (code != 4)] = t.label
    return outcomes, deviation, tiers
