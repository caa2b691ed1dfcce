"""The plan's Table 2 loaded as a cycle's work schedule: every row a task with its responsible units."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.goals.choices import TaskKind
from zhengai.goals.models import Task
from zhengai.goals.schedule import moved_dates, template
from zhengai.goals.services import schedule_load
from zhengai.org.services import org_units_load_default


def test_the_plans_dates_move_to_the_chosen_year():
    assert moved_dates("2018.11.28", base_year=2018, year=2026).due == dt.date(2026, 11, 28)
    assert moved_dates("2019.06", base_year=2018, year=2026).due == dt.date(2027, 6, 30)
    span = moved_dates("2018.09-2019.09", base_year=2018, year=2026)
    assert (span.start, span.due) == (dt.date(2026, 9, 1), dt.date(2027, 9, 30))
    assert moved_dates("当年12月", base_year=2018, year=2026).due == dt.date(2026, 12, 31)
    # Words stay words: no deadline is invented.
    for words in ("时间待定", "复核前10天", "复核结束后", "实时采集"):
        dates = moved_dates(words, base_year=2018, year=2026)
        assert dates.due is None and dates.text == words


def test_the_template_holds_every_row_of_table_2():
    base, rows = template()
    assert base == 2018 and len(rows) == 40 and [r.row for r in rows] == list(range(1, 41))
    assert rows[0].task == "学院“十三五”事业发展规划" and rows[-1].task == "持续推进诊改"
    assert {r.project for r in rows} == {"规划目标（目标链）", "标准制度（标准链）", "信息系统", "第一轮自主诊改",
                                         "专家复核", "总结提炼", "第二轮自主诊改"}  # fmt: skip


@pytest.mark.django_db
def test_every_row_becomes_a_task_of_the_year_with_its_units_once():
    org_units_load_default()
    loaded = schedule_load(year=2026)
    assert loaded.rows == 40 and loaded.unresolved == []
    rows = Task.objects.filter(year=2026, kind=TaskKind.SCHEDULE, parent=None)
    assert rows.count() == 40 and not rows.filter(owner_unit=None).exists()
    major_plans = rows.get(title="制定分专业建设规划")  # 四系: one sub-task for each of the four 系
    assert major_plans.due_date == dt.date(2026, 12, 20)
    assert sorted(major_plans.children.values_list("owner_unit__code", flat=True)) == ["hlx", "jdx", "jyx", "yxx"]
    report = rows.get(title="学院自主诊改报告")
    assert (report.owner_unit.code, report.due_date, report.children.count()) == ("zkzx", dt.date(2027, 6, 30), 0)
    review = rows.get(title="校级诊改工作汇报材料")
    assert review.due_date is None and review.due_text == "复核前10天"
    assert sorted(review.children.values_list("owner_unit__code", flat=True)) == ["dzb", "zkzx"]
    # Loading again adds nothing.
    again = schedule_load(year=2026)
    assert again.created == 0 and again.rows == 40
