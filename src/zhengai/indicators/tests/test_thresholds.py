"""evaluate(value, thresholds) → outcome: pure, no database."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from zhengai.indicators.choices import Outcome
from zhengai.indicators.thresholds import Line, Thresholds, Tier, evaluate, evaluate_array

RATIO = Thresholds(standard=Line.parse("<= 18"), warning=Line.parse("<= 16"), target=Line.parse("<= 15"))
PASS_RATE = Thresholds(standard=Line.parse(">= 0.6"), warning=Line.parse(">= 0.7"), target=Line.parse(">= 0.85"))
HOURS_PER_CREDIT = Thresholds(standard=Line.parse("between 16, 18"))
ACADEMIC = Thresholds(
    standard=Line.parse("< 6"),
    warning=Line.parse("< 2"),
    tiers=(
        Tier("蓝色", "blue", Line.parse(">= 1")),
        Tier("黄色", "yellow", Line.parse(">= 2")),
        Tier("橙色", "orange", Line.parse(">= 4")),
        Tier("红色", "red", Line.parse(">= 6")),
    ),
)


@pytest.mark.parametrize(
    ("value", "outcome", "deviation"),
    [
        (14.0, Outcome.PASSED, -1.0),
        (16.0, Outcome.PASSED, 1.0),
        (17.5, Outcome.WARN, 2.5),
        (27.75, Outcome.FAILED, 12.75),
    ],
)
def test_a_lower_is_better_ratio_is_judged_against_standard_and_warning(value, outcome, deviation):
    j = evaluate(value, RATIO)
    assert j.outcome == outcome and j.deviation == pytest.approx(deviation)


def test_a_rate_below_the_standard_fails_and_between_the_lines_warns():
    assert evaluate(0.317, PASS_RATE).outcome == Outcome.FAILED
    assert evaluate(0.65, PASS_RATE).outcome == Outcome.WARN
    assert evaluate(0.95, PASS_RATE).outcome == Outcome.PASSED
    assert evaluate(0.6, PASS_RATE).outcome == Outcome.WARN  # on the line: the standard holds


def test_no_value_is_no_data_never_a_failure():
    for missing in (None, math.nan):
        j = evaluate(missing, PASS_RATE)
        assert (j.outcome, j.deviation, j.tier) == (Outcome.NO_DATA, None, "")


def test_a_range_passes_inside_and_fails_on_either_side():
    assert [evaluate(v, HOURS_PER_CREDIT).outcome for v in (15.9, 16, 17, 18, 18.1)] == [
        Outcome.FAILED, Outcome.PASSED, Outcome.PASSED, Outcome.PASSED, Outcome.FAILED,
    ]  # fmt: skip


def test_tiers_name_the_band_and_the_last_matching_tier_wins():
    assert [(evaluate(v, ACADEMIC).outcome, evaluate(v, ACADEMIC).tier) for v in (0, 1, 3, 5, 9)] == [
        (Outcome.PASSED, ""),
        (Outcome.PASSED, "蓝色"),
        (Outcome.WARN, "黄色"),
        (Outcome.WARN, "橙色"),
        (Outcome.FAILED, "红色"),
    ]


def test_without_any_line_a_value_passes_and_has_no_deviation():
    assert evaluate(3.0, Thresholds()).outcome == Outcome.PASSED
    assert evaluate(3.0, Thresholds()).deviation is None


@pytest.mark.parametrize("text", ["", None])
def test_an_empty_line_is_no_line(text):
    assert Line.parse(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("18", "缺少比较符"),
        (">= abc", "格式不对"),
        ("between 18, 16", "下限不大于上限"),
        ("between 16", "需要下限和上限"),
        (">= 1, 2", "只有区间"),
    ],
)
def test_a_bad_line_is_refused_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        Line.parse(text if text != "18" else 18)


def test_lines_read_the_symbols_people_type():
    assert Line.parse("≥ 0.6") == Line(">=", 0.6)
    assert Line.parse("≤18") == Line("<=", 18)
    assert Line.parse("between 16～18") == Line("between", 16, 18)
    assert str(Line.parse(">= 0.6")) == "≥ 0.6" and Line.parse("between 16, 18").as_text() == "between 16, 18"


@pytest.mark.parametrize("open_period", [False, True])
@pytest.mark.parametrize("thresholds", [RATIO, PASS_RATE, HOURS_PER_CREDIT, ACADEMIC, Thresholds(), None])
def test_the_array_form_gives_exactly_what_evaluate_gives(thresholds, open_period):
    rng = random.Random(7)
    values = [rng.choice([math.nan, rng.uniform(-1, 30), float(rng.randint(0, 20)), rng.random()]) for _ in range(3000)]
    values += [0.6, 0.7, 16.0, 18.0, 2.0, 6.0]
    outcomes, deviations, tiers = evaluate_array(np.array(values), thresholds, open_period=open_period)
    assert len(set(outcomes.tolist())) > 1  # the sample reaches more than one outcome
    for v, o, d, t in zip(values, outcomes, deviations, tiers, strict=True):
        j = evaluate(v, thresholds, open_period=open_period)
        assert (o, t) == (j.outcome.value, j.tier)
        assert (math.isnan(d) and j.deviation is None) or d == j.deviation


def test_deviation_is_measured_from_the_nearest_edge_of_a_target_range():
    thresholds = Thresholds(target=Line("between", 240, 640))
    assert evaluate(218, thresholds).deviation == -22
    assert evaluate(700, thresholds).deviation == 60
    assert evaluate(400, thresholds).deviation == 0
    _outcomes, deviations, _tiers = evaluate_array(np.array([218.0, 700.0, 400.0, np.nan]), thresholds)
    assert deviations[:3].tolist() == [-22, 60, 0] and np.isnan(deviations[3])


def test_no_threshold_in_force_is_unset_never_a_pass():
    assert evaluate(5.07, None).outcome == Outcome.UNSET
    assert evaluate(None, None).outcome == Outcome.NO_DATA
    outcomes, _d, _t = evaluate_array(np.array([5.07, np.nan]), None)
    assert outcomes.tolist() == ["unset", "no_data"]


HOURS = Thresholds(standard=Line("between", 240, 640), warning=Line("between", 260, 600))


@pytest.mark.parametrize(
    "value, closed, running",
    [
        (100, "failed", "pending"),  # short of the floor: the year may still bring the hours
        (250, "warn", "pending"),  # short of the warning floor only
        (700, "failed", "failed"),  # past the ceiling: more hours cannot bring it back
        (610, "warn", "warn"),
        (400, "passed", "passed"),
    ],
)
def test_a_cumulative_value_short_of_its_line_before_the_period_ends_is_pending(value, closed, running):
    assert evaluate(value, HOURS).outcome.value == closed
    assert evaluate(value, HOURS, open_period=True).outcome.value == running
    assert evaluate_array(np.array([float(value)]), HOURS, open_period=True)[0].tolist() == [running]


def test_a_pending_value_has_no_tier_and_a_lower_is_better_count_is_judged_at_once():
    tiers = Thresholds(
        standard=Line(">=", 10), tiers=(Tier("少", "#f00", Line("<", 10)), Tier("够", "#0f0", Line(">=", 10)))
    )
    j = evaluate(3, tiers, open_period=True)
    assert (j.outcome, j.tier) == (Outcome.PENDING, "")
    absences = Thresholds(standard=Line("<=", 18), warning=Line("<=", 12))
    assert evaluate(20, absences, open_period=True).outcome == Outcome.FAILED
    assert evaluate(15, absences, open_period=True).outcome == Outcome.WARN
    assert evaluate(3, absences, open_period=True).outcome == Outcome.PASSED
