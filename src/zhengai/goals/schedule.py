"""The 诊改工作实施进度表 (the plan's Table 2) as the default template of a cycle's work schedule.

Each row becomes a task for the chosen 学年, its dates moved from the plan's first round (2018—2019)
to that year; a row naming several units gets one sub-task per unit. Dates the plan gives only in
words (时间待定, 复核前10天, 复核结束后, 实时采集) stay as words: such a task has no deadline until a person
sets one, so it is never overdue by guesswork.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

DAY = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$")
MONTH = re.compile(r"^(\d{4})\.(\d{1,2})$")
SPAN = re.compile(r"^(\d{4})\.(\d{1,2})-(\d{4})\.(\d{1,2})$")


@dataclass(frozen=True)
class Row:
    row: int
    project: str
    task: str
    responsible: str
    units: tuple[str, ...]  # unit codes or groups (@all, @four, @departments, @offices, @support, @teachers, @students)
    when: str


@dataclass(frozen=True)
class Dates:
    start: dt.date | None
    due: dt.date | None
    text: str  # what the plan says, kept when it is not a date


def template() -> tuple[int, list[Row]]:
    """The shipped Table 2: the plan's base year and its rows."""
    raw = json.loads(resources.files("zhengai.goals").joinpath("data", "table2.json").read_text(encoding="utf-8"))
    rows = [Row(r["row"], r["project"], r["task"], r["responsible"], tuple(r["units"]), r["when"]) for r in raw["rows"]]
    return raw["base_year"], rows


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def moved_dates(when: str, *, base_year: int, year: int) -> Dates:
    """Pure: the plan's time for a row, moved from its base 学年 to `year` (both the 学年's start year)."""
    shift = year - base_year
    when = when.strip()
    if m := DAY.match(when):
        y, mo, d = (int(g) for g in m.groups())
        return Dates(None, dt.date(y + shift, mo, d), when)
    if m := MONTH.match(when):
        y, mo = int(m.group(1)), int(m.group(2))
        return Dates(None, _month_end(y + shift, mo), when)
    if m := SPAN.match(when):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        return Dates(dt.date(y1 + shift, m1, 1), _month_end(y2 + shift, m2), when)
    if when == "当年12月":
        return Dates(None, dt.date(year, 12, 31), when)
    if when == "已完成":  # done before the plan was written: in a new cycle, due as the cycle opens
        return Dates(None, dt.date(year, 9, 30), "方案中为“已完成”，新一轮于学年初完成")
    return Dates(None, None, when)


def groups(units: Any) -> dict[str, list]:
    """Which org units each group of Table 2 means, from the units' kinds (a college renames, not recodes)."""
    from zhengai.org.choices import OrgUnitKind

    kinds = (OrgUnitKind.OFFICE, OrgUnitKind.DEPARTMENT, OrgUnitKind.QUALITY, OrgUnitKind.SUPPORT)
    working = [u for u in units if u.kind in kinds]
    departments = [u for u in working if u.kind == OrgUnitKind.DEPARTMENT]
    return {
        "@all": working,
        "@departments": departments,
        "@four": [u for u in departments if u.name.endswith("系")],
        "@offices": [u for u in working if u.kind == OrgUnitKind.OFFICE],
        "@support": [u for u in working if u.kind == OrgUnitKind.SUPPORT],
        "@teachers": departments,  # each department sees that its teachers write theirs
        "@students": departments,
    }
