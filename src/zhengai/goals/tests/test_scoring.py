"""Unit assessment arithmetic without the database: components, renormalised weights, ties and 无数据."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.goals import scoring
from zhengai.goals.choices import Attainment as A
from zhengai.goals.choices import GoalStatus as S

TODAY = dt.date(2026, 6, 1)


def test_weights_must_sum_to_100_and_the_late_factor_lie_between_0_and_1():
    assert scoring.weights_errors({"goals": 50, "tasks": 30, "alerts": 20}, 0.5) == {}
    assert "合计须为 100，现为 90" in scoring.weights_errors({"goals": 50, "tasks": 30, "alerts": 10}, 0.5)["weights"]
    assert "不能为负数" in scoring.weights_errors({"goals": 120, "tasks": -20, "alerts": 0}, 0.5)["weights"]
    assert "不认识" in scoring.weights_errors({"goals": 100, "money": 0}, 0.5)["weights"]
    assert "0 到 1" in scoring.weights_errors({"goals": 100}, 1.5)["late_factor"]


def test_no_data_and_pending_goals_are_counted_apart_never_as_pass_or_failure():
    c = scoring.goal_counts([A.ATTAINED, A.NOT_ATTAINED, A.ATTAINED, A.NO_DATA, A.PENDING])
    assert (c.numerator, c.denominator, c.insufficient) == (2, 3, 2) and c.value == pytest.approx(2 / 3)
    only_missing = scoring.goal_counts([A.NO_DATA, A.PENDING])
    assert only_missing.value is None and only_missing.insufficient == 2


def test_late_tasks_count_partly_overdue_ones_nothing_and_tasks_not_yet_due_are_left_out():
    tasks = [
        (S.DONE, dt.date(2026, 5, 1)),
        (S.DONE_LATE, dt.date(2026, 5, 1)),
        (S.IN_PROGRESS, dt.date(2026, 5, 20)),  # overdue: 0
        (S.NOT_STARTED, dt.date(2026, 7, 1)),  # not yet due: left out
        (S.DELAYED, None),  # 时间待定: left out
    ]
    c = scoring.task_counts(tasks, today=TODAY, late_factor=0.5)
    assert (c.numerator, c.denominator, c.excluded) == (1.5, 3, 2) and c.value == pytest.approx(0.5)
    assert scoring.task_counts(tasks, today=TODAY, late_factor=0).value == pytest.approx(1 / 3)
    assert scoring.task_counts([(S.NOT_STARTED, dt.date(2026, 9, 1))], today=TODAY, late_factor=0.5).value is None


def test_the_score_is_weighted_and_renormalised_over_the_parts_with_data():
    total, parts = scoring.score([("goals", 50, 0.5), ("tasks", 30, 1.0), ("alerts", 20, 0.75)])
    assert total == pytest.approx(25 + 30 + 15)
    # No alerts: goals and tasks share the 100 points as 62.5 and 37.5.
    total, parts = scoring.score([("goals", 50, 0.5), ("tasks", 30, 1.0), ("alerts", 20, None)])
    assert total == pytest.approx(0.5 * 62.5 + 37.5)
    assert [p.effective_weight for p in parts] == [62.5, 37.5, 0.0] and parts[2].contribution == 0
    # A part with data but no weight does not make a score on its own.
    assert scoring.score([("goals", 100, None), ("tasks", 0, 1.0)])[0] is None
    nothing, parts = scoring.score([("goals", 50, None), ("tasks", 30, None), ("alerts", 20, None)])
    assert nothing is None and all(p.contribution == 0 for p in parts)


def test_ties_share_a_rank_and_units_without_a_score_are_unranked():
    got = scoring.ranks({"a": 80.0, "b": 92.5, "c": 80.0, "d": None, "e": 70.004, "f": 70.001})
    assert got == {"b": 1, "a": 2, "c": 2, "e": 4, "f": 4, "d": None}
    assert scoring.ranks({"a": None}) == {"a": None}
