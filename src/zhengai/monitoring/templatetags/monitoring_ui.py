"""Presentation of measurements: values in their unit, outcome badges, threshold lines.

A rate is recorded as a ratio (0.85) and shown as a percentage (85.0%); the thresholds of a rate
are shown the same way (≥ 60%).
"""

from __future__ import annotations

import math

from django import template
from django.utils.html import format_html

from zhengai.indicators.choices import Comparison, Outcome
from zhengai.indicators.thresholds import Line
from zhengai.monitoring.choices import RunStatus

register = template.Library()


def _number(x: float, digits: int) -> str:
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def scale(value: float | None, unit: str) -> float | None:
    """A value in the unit it is shown in (a ratio as a percentage)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value * 100 if unit == "%" else value


def yes_no(unit: str) -> tuple[str, str] | None:
    """A yes/no indicator declares its two words as its unit, e.g. ``已落实|未落实`` (1 = the first)."""
    if "|" in (unit or ""):
        yes, _, no = unit.partition("|")
        return yes, no
    return None


def format_value(value: float | None, unit: str = "", precision: int = 2, *, with_unit: bool = True) -> str:
    shown = scale(value, unit)
    if shown is None:
        return "—"
    words = yes_no(unit)
    if words is not None:
        return words[0] if shown >= 0.5 else words[1]
    if unit == "%":
        return f"{shown:.1f}%" if with_unit else f"{shown:.1f}"
    text = _number(shown, precision)
    return f"{text} {unit}" if with_unit and unit else text


def format_deviation(deviation: float | None, unit: str = "", precision: int = 2) -> str:
    shown = scale(deviation, unit)
    if shown is None or yes_no(unit) is not None:
        return "—"
    sign = "+" if shown > 0 else ("−" if shown < 0 else "±")
    if unit == "%":
        return f"{sign}{abs(shown):.1f} 个百分点"
    text = _number(abs(shown), precision)
    return f"{sign}{text}" + (f" {unit}" if unit else "")


def _bound(value: float | None, unit: str) -> str:
    shown = scale(value, unit)
    if shown is None:
        return ""
    text = _number(shown, 4)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text


def format_line(line: Line | None, unit: str = "") -> str:
    """≥ 60% · ≤ 18 · 16～18 (a threshold line, in the unit the values are shown in)"""
    if line is None:
        return ""
    words = yes_no(unit)
    if words is not None:  # a yes/no line says which word is required
        return f"应为{words[0] if line.holds(1.0) and not line.holds(0.0) else words[1]}"
    if line.op == Comparison.BETWEEN:
        return f"{_bound(line.value, unit)}～{_bound(line.high, unit)}"
    return f"{Comparison(line.op).label} {_bound(line.value, unit)}"


def threshold_summary(threshold, unit: str = "") -> list[tuple[str, str]]:
    """[(标准, ≤ 18), (预警, ≤ 16), (目标, ≤ 15)] for the lines a threshold row sets."""
    if threshold is None:
        return []
    out = []
    for label, line in (("标准", threshold.standard), ("预警", threshold.warning), ("目标", threshold.target)):
        if line is not None:
            out.append((label, format_line(line, unit)))
    return out


@register.simple_tag
def measure(value, unit: str = "", precision: int = 2) -> str:
    return format_value(value, unit or "", int(precision) if precision is not None else 2)


@register.simple_tag
def deviation(value, unit: str = "", precision: int = 2) -> str:
    return format_deviation(value, unit or "", int(precision) if precision is not None else 2)


@register.simple_tag
def line(line_obj, unit: str = "") -> str:
    return format_line(line_obj, unit or "") or "—"


@register.simple_tag
def thresholds_text(threshold, unit: str = "") -> str:
    parts = threshold_summary(threshold, unit or "")
    return " · ".join(f"{label} {text}" for label, text in parts) if parts else "—"


@register.simple_tag
def tier_text(tier: dict, unit: str = "") -> str:
    """A tier of a threshold row as stored (label, op, value, high): 红色 ≥ 6 门."""
    try:
        return f"{tier['label']} {format_line(Line(tier['op'], tier['value'], tier.get('high')), unit or '')}"
    except (KeyError, TypeError, ValueError):
        return str(tier.get("label", "")) if isinstance(tier, dict) else ""


@register.filter
def outcome_badge(outcome: str):
    try:
        o = Outcome(outcome)
    except ValueError:
        return format_html('<span class="badge bg-secondary-lt">{}</span>', outcome or "—")
    return format_html('<span class="badge {}-lt zg-outcome" data-outcome="{}">{}</span>', o.badge, o.value, o.label)


@register.filter
def outcome_label(outcome: str) -> str:
    try:
        return Outcome(outcome).label
    except ValueError:
        return outcome


@register.filter
def run_badge(status: str):
    try:
        s = RunStatus(status)
    except ValueError:
        return status
    return format_html('<span class="badge {}-lt">{}</span>', s.badge, s.label)


@register.filter
def seconds(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if value < 60:
        return f"{value:.1f} 秒" if value < 10 else f"{value:.0f} 秒"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes} 分 {secs} 秒"


@register.filter
def batches_list(text: str) -> list[tuple[str, str]]:
    """'grades@v1#9;students@v1#6' → [('grades', 'v1 · 批次#9'), …]"""
    out = []
    for item in (text or "").split(";"):
        if not item:
            continue
        table, _, version = item.partition("@")
        out.append((table, version.replace("#", " · #")))
    return out


@register.filter
def share(value) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
