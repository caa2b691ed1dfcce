"""Alert rules stored as data: validation and judging (pure), then applying them after a run (database)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from zhengai.alerts.choices import AlertStatus, EventKind, Severity
from zhengai.alerts.models import Alert, AlertRule
from zhengai.alerts.rules import evaluate_rule, history_window, validate
from zhengai.alerts.services import alert_decide_ignore, alert_request_ignore, alerts_on_evaluation
from zhengai.indicators.services import indicator_create
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.history import SCHEMA, history_append
from zhengai.monitoring.models import EvaluationRun

# The example of the issue: fell by ≥ 20 % and by ≥ 5, but only when the previous value was ≥ 10.
DROP = {"op": "change", "direction": "down", "pct": 20, "abs": 5, "floor": 10}
BAD_STREAK = {"op": "consecutive", "n": 3, "outcome_in": ["warn", "failed"]}
LOW_STREAK = {"op": "consecutive", "n": 3, "cmp": "<", "value": 75}
OFF_BASELINE = {"op": "baseline", "k": 4, "min_periods": 3, "z": 2}
BELOW_BASELINE = {"op": "baseline", "k": 4, "pct": 30, "direction": "down"}
ABOVE_10 = {"op": "value", "cmp": ">", "value": 10}

TERMS = ["2022-2023-1", "2022-2023-2", "2023-2024-1", "2023-2024-2", "2024-2025-1", "2024-2025-2"]


def values(*vals, outcome: str = "passed") -> list[tuple]:
    """A series with these values, the last one being the period judged."""
    return [(TERMS[i], v, outcome) for i, v in enumerate(vals)]


def outcomes(*outs) -> list[tuple]:
    return [(TERMS[i], 80.0, o) for i, o in enumerate(outs)]


# ------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "definition",
    [
        DROP,
        BAD_STREAK,
        LOW_STREAK,
        OFF_BASELINE,
        BELOW_BASELINE,
        ABOVE_10,
        {"op": "change", "direction": "any", "abs": 5},
        {"op": "baseline", "k": 4, "abs": 10, "pct": 20},
        {"op": "and", "args": [DROP, {"op": "or", "args": [BAD_STREAK, {"op": "not", "arg": ABOVE_10}]}]},
    ],
)
def test_the_documented_definitions_are_valid(definition):
    assert validate(definition) == []


@pytest.mark.parametrize(
    ("definition", "error"),
    [
        ("value > 10", "规则应为一个含 op 的 JSON 对象"),
        ({"cmp": ">", "value": 10}, "规则缺少 op"),
        ({"op": "eval", "code": "__import__('os')"}, '规则：未知的运算 "eval"'),
        ({"op": ["value"]}, '规则：未知的运算 ["value"]'),
        ({"op": "value", "cmp": ">", "value": 10, "vaule": 3}, "规则（value）有未知参数 vaule"),
        ({"op": "value", "value": 10}, "规则（value）缺少参数 cmp"),
        ({"op": "value", "cmp": ">"}, "规则（value）缺少参数 value"),
        ({"op": "value", "cmp": "=>", "value": 10}, '规则（value）参数 cmp 的值 "=>" 不是允许的比较符'),
        ({"op": "value", "cmp": ">", "value": "10"}, '规则（value）参数 value 应为数字，实为 "10"'),
        ({"op": "value", "cmp": ">", "value": True}, "规则（value）参数 value 应为数字，实为 true"),
        ({"op": "value", "cmp": ">", "value": float("nan")}, "规则（value）参数 value 应为数字"),
        ({"op": "change", "pct": 20}, "规则（change）缺少参数 direction"),
        ({"op": "change", "direction": "sideways", "pct": 20}, "规则（change）参数 direction 应为 down、up 或 any"),
        ({"op": "change", "direction": "down", "floor": 10}, "规则（change）缺少参数 pct 或 abs"),
        ({"op": "change", "direction": "down", "pct": -20}, "规则（change）参数 pct 不能小于 0"),
        ({"op": "change", "direction": "down", "abs": 5, "floor": "十"}, "规则（change）参数 floor 应为数字"),
        ({"op": "consecutive", "outcome_in": ["warn"]}, "规则（consecutive）缺少参数 n"),
        ({"op": "consecutive", "n": 0, "outcome_in": ["warn"]}, "规则（consecutive）参数 n 应为 1 到 120 之间的整数"),
        ({"op": "consecutive", "n": 2.5, "outcome_in": ["warn"]}, "参数 n 应为 1 到 120 之间的整数，实为 2.5"),
        ({"op": "consecutive", "n": 1000, "outcome_in": ["warn"]}, "参数 n 应为 1 到 120 之间的整数"),
        ({"op": "consecutive", "n": 3}, "规则（consecutive）缺少条件"),
        ({"op": "consecutive", "n": 3, "outcome_in": []}, "参数 outcome_in 应为非空列表"),
        ({"op": "consecutive", "n": 3, "outcome_in": "warn"}, "参数 outcome_in 应为非空列表"),
        ({"op": "consecutive", "n": 3, "outcome_in": ["预警"]}, 'outcome_in 中的 "预警" 不是有效结果'),
        ({"op": "consecutive", "n": 3, "outcome_in": ["warn"], "cmp": "<", "value": 75}, "只能二选一"),
        ({"op": "consecutive", "n": 3, "cmp": "<"}, "规则（consecutive）缺少参数 value"),
        ({"op": "baseline", "z": 2}, "规则（baseline）缺少参数 k"),
        ({"op": "baseline", "k": 4}, "规则（baseline）缺少参数 z、pct 或 abs"),
        ({"op": "baseline", "k": 4, "min_periods": 5, "pct": 30}, "min_periods（5）不能大于 k（4）"),
        ({"op": "baseline", "k": 4, "min_periods": 1, "z": 2}, "用 z 分数时前几期至少要有 2 期"),
        ({"op": "baseline", "k": 1, "z": 2}, "用 z 分数时前几期至少要有 2 期"),
        ({"op": "baseline", "k": 4, "pct": 30, "direction": "upward"}, "参数 direction 应为 down、up 或 any"),
        ({"op": "and"}, "规则（and）缺少参数 args"),
        ({"op": "or", "args": []}, "规则（or）参数 args 应为非空列表"),
        ({"op": "and", "args": ABOVE_10}, "规则（and）参数 args 应为非空列表"),
        ({"op": "not"}, "规则（not）缺少参数 arg"),
        ({"op": "and", "args": [ABOVE_10, {"op": "change", "direction": "down"}]}, "规则第 2 项（change）缺少参数 pct"),
        (
            {"op": "or", "args": [ABOVE_10, {"op": "not", "arg": {"op": "value"}}]},
            "规则第 2 项第 1 项（value）缺少参数 cmp",
        ),
        ({"op": "and", "args": [ABOVE_10, 10]}, "规则第 2 项应为一个含 op 的 JSON 对象，实为 10"),
    ],
)
def test_a_definition_that_cannot_be_judged_is_refused_naming_the_part(definition, error):
    errors = validate(definition)
    assert any(error in e for e in errors), errors


def test_every_problem_of_a_definition_is_reported_not_only_the_first():
    errors = validate({"op": "and", "args": [{"op": "value", "cmp": "=~"}, {"op": "sql", "q": "drop table"}]})
    assert errors == [
        '规则第 1 项（value）参数 cmp 的值 "=~" 不是允许的比较符（>、>=、<、<=、==、!=）',
        "规则第 1 项（value）缺少参数 value",
        '规则第 2 项：未知的运算 "sql"（可用：value、change、consecutive、baseline、and、or、not）',
    ]


def test_a_tree_nested_too_deep_is_refused():
    node = ABOVE_10
    for _ in range(10):
        node = {"op": "not", "arg": node}
    assert any("嵌套超过 8 层" in e for e in validate(node))


def test_an_invalid_definition_does_not_fire_and_says_why():
    result = evaluate_rule({"op": "and", "args": [ABOVE_10, {"op": "change", "direction": "down"}]}, values(5, 50))
    assert result.fired is None
    assert result.reason == "规则第 2 项（change）缺少参数 pct 或 abs（至少给出一个）"


def test_the_history_window_is_what_the_deepest_part_needs():
    assert history_window(ABOVE_10) == 1
    assert history_window(DROP) == 2
    assert history_window(BAD_STREAK) == 3
    assert history_window({"op": "or", "args": [DROP, {"op": "not", "arg": OFF_BASELINE}]}) == 5


# ------------------------------------------------------------------------------------------ value


def test_value_compares_the_period_judged():
    assert evaluate_rule(ABOVE_10, values(50, 12)).fired is True
    result = evaluate_rule(ABOVE_10, values(50, 8))
    assert result.fired is False
    assert result.reason == "本期（2022-2023-2）监测值 8，不满足 ＞ 10"


def test_value_equality_ignores_float_noise():
    assert evaluate_rule({"op": "value", "cmp": "==", "value": 0.3}, values(0.1 + 0.2)).fired is True
    assert evaluate_rule({"op": "value", "cmp": ">", "value": 0.3}, values(0.1 + 0.2)).fired is False


def test_value_without_a_measurement_cannot_be_judged():
    result = evaluate_rule(ABOVE_10, values(50, None))
    assert result.fired is None
    assert result.reason == "规则（value）：本期（2022-2023-2）无监测值"


def test_an_entity_without_measurements_cannot_be_judged():
    assert evaluate_rule(ABOVE_10, []).fired is None


# ------------------------------------------------------------------------------------------ change


def test_change_fires_on_a_fall_of_both_20_percent_and_5():
    result = evaluate_rule(DROP, values(80, 60))
    assert result.fired is True
    assert result.reason == "本期（2022-2023-2）60 比上一期（2022-2023-1）80 下降 20（25.0%），达到下降 ≥ 20% 且 ≥ 5"


def test_change_does_not_fire_when_only_the_percentage_is_reached():
    result = evaluate_rule(DROP, values(12, 9))  # 25 % but only 3
    assert result.fired is False
    assert "未达到下降 ≥ 20% 且 ≥ 5" in result.reason


def test_change_does_not_fire_when_only_the_absolute_fall_is_reached():
    assert evaluate_rule(DROP, values(100, 85)).fired is False  # 15 and 15 %


def test_change_thresholds_are_inclusive():
    assert evaluate_rule(DROP, values(50, 40)).fired is True  # exactly 20 % and 10
    assert evaluate_rule(DROP, values(25, 20)).fired is True  # exactly 20 % and exactly 5


def test_change_stays_quiet_below_the_floor():
    result = evaluate_rule(DROP, values(9, 1))  # 89 % and 8, but the previous value was under 10
    assert result.fired is False
    assert result.reason == "上一期（2022-2023-1）监测值 9 低于下限 10，不判断变化"


def test_change_down_does_not_fire_on_a_rise_and_up_not_on_a_fall():
    assert evaluate_rule(DROP, values(60, 80)).fired is False
    up = {"op": "change", "direction": "up", "pct": 20}
    assert evaluate_rule(up, values(60, 80)).fired is True
    assert evaluate_rule(up, values(80, 60)).fired is False


def test_change_any_fires_both_ways_but_not_when_flat():
    any_way = {"op": "change", "direction": "any", "abs": 5}
    assert evaluate_rule(any_way, values(60, 70)).fired is True
    assert evaluate_rule(any_way, values(70, 60)).fired is True
    flat = evaluate_rule({"op": "change", "direction": "any", "abs": 0}, values(70, 70))
    assert flat.fired is False and "持平" in flat.reason


def test_change_compares_with_the_previous_period_only():
    assert evaluate_rule(DROP, values(100, 80, 79)).fired is False


def test_change_without_a_previous_period_cannot_be_judged():
    result = evaluate_rule(DROP, values(60))
    assert result.fired is None
    assert result.reason == "规则（change）：历史不足，本期（2022-2023-1）之前没有上一期"


def test_change_without_a_previous_value_cannot_be_judged():
    result = evaluate_rule(DROP, values(None, 60))
    assert result.fired is None
    assert result.reason == "规则（change）：上一期（2022-2023-1）无监测值"


def test_change_without_a_current_value_cannot_be_judged():
    assert evaluate_rule(DROP, values(80, None)).fired is None
    assert evaluate_rule(DROP, values(80, float("nan"))).fired is None


def test_change_percent_from_zero_cannot_be_judged_unless_the_absolute_part_already_fails():
    pct_only = {"op": "change", "direction": "up", "pct": 50}
    result = evaluate_rule(pct_only, values(0, 3))
    assert result.fired is None and "上一期（2022-2023-1）监测值为 0，无法计算变化百分比" in result.reason
    both = {"op": "change", "direction": "up", "pct": 50, "abs": 5}
    assert evaluate_rule(both, values(0, 3)).fired is False  # rose by 3 < 5: no percentage needed


# ------------------------------------------------------------------------------------------ consecutive


def test_consecutive_outcomes_fire_after_n_bad_periods():
    result = evaluate_rule(BAD_STREAK, outcomes("passed", "warn", "failed", "warn"))
    assert result.fired is True
    assert result.reason == "最近 3 期（2022-2023-2 至 2023-2024-2）连续结果为预警或未达标"


def test_consecutive_outcomes_break_on_one_good_period():
    result = evaluate_rule(BAD_STREAK, outcomes("warn", "passed", "warn", "warn"))
    assert result.fired is False
    assert result.reason == "最近 3 期中 2022-2023-2 结果为达标，不满足连续结果为预警或未达标"


def test_consecutive_with_too_short_a_history_cannot_be_judged():
    result = evaluate_rule(BAD_STREAK, outcomes("warn", "failed"))
    assert result.fired is None
    assert result.reason == "规则（consecutive）：历史不足，需要连续 3 期，只有 2 期"


def test_consecutive_with_a_short_history_that_already_broke_does_not_fire():
    assert evaluate_rule(BAD_STREAK, outcomes("warn", "passed")).fired is False


def test_consecutive_values_fire_when_every_period_compares():
    result = evaluate_rule(LOW_STREAK, values(80, 72, 70, 68))
    assert result.fired is True
    assert result.reason.endswith("连续监测值 ＜ 75（72、70、68）")
    assert evaluate_rule(LOW_STREAK, values(72, 76, 70, 68)).fired is False


def test_consecutive_values_with_a_gap_cannot_be_judged():
    result = evaluate_rule(LOW_STREAK, values(72, None, 70))
    assert result.fired is None
    assert result.reason == "规则（consecutive）：2022-2023-2 无监测值，无法判断是否连续 3 期监测值 ＜ 75"


def test_consecutive_of_one_is_the_period_judged():
    assert evaluate_rule({"op": "consecutive", "n": 1, "outcome_in": ["failed"]}, outcomes("failed")).fired is True


# ------------------------------------------------------------------------------------------ baseline


def test_baseline_z_fires_on_a_value_far_from_the_entitys_own_past():
    result = evaluate_rule(OFF_BASELINE, values(80, 82, 78, 80, 60))
    assert result.fired is True
    assert result.reason == "本期（2024-2025-1）60，前 4 期均值 80、标准差 1.633，偏离均值超过 2 个标准差"


def test_baseline_z_does_not_fire_within_the_usual_spread():
    assert evaluate_rule(OFF_BASELINE, values(80, 82, 78, 80, 79)).fired is False


def test_baseline_uses_only_the_k_periods_before_the_one_judged():
    # 20 long ago is outside k = 4; the last four are steady around 80.
    assert evaluate_rule(OFF_BASELINE, values(20, 80, 82, 78, 80, 81)).fired is False


def test_baseline_counts_periods_with_a_value_against_min_periods():
    result = evaluate_rule(OFF_BASELINE, values(None, None, 78, 80, 60))
    assert result.fired is None
    assert result.reason == "规则（baseline）：历史不足，需要本期之前 4 期中至少 3 期有监测值，只有 2 期"
    assert evaluate_rule(OFF_BASELINE, values(None, 82, 78, 80, 60)).fired is True


def test_baseline_on_a_flat_history_cannot_give_a_z_score():
    result = evaluate_rule(OFF_BASELINE, values(80, 80, 80, 80, 70))
    assert result.fired is None
    assert result.reason == "规则（baseline）：前 4 期监测值都相同（标准差为 0），无法计算 z 分数"
    assert evaluate_rule(OFF_BASELINE, values(80, 80, 80, 80, 80)).fired is False


def test_baseline_percent_below_the_mean():
    assert evaluate_rule(BELOW_BASELINE, values(100, 90, 110, 100, 65)).fired is True  # 35 % below 100
    assert evaluate_rule(BELOW_BASELINE, values(100, 90, 110, 100, 75)).fired is False  # 25 % below
    assert evaluate_rule(BELOW_BASELINE, values(100, 90, 110, 100, 150)).fired is False  # above: wrong direction


def test_baseline_percent_of_a_zero_mean_cannot_be_judged():
    result = evaluate_rule({"op": "baseline", "k": 2, "pct": 30}, values(0, 0, 3))
    assert result.fired is None and "均值为 0，无法计算偏离百分比" in result.reason


def test_baseline_with_several_measures_needs_all_of_them():
    both = {"op": "baseline", "k": 3, "abs": 10, "pct": 20}
    assert evaluate_rule(both, values(50, 50, 50, 38)).fired is True  # 12 and 24 %
    assert evaluate_rule(both, values(50, 50, 50, 41)).fired is False  # 9 and 18 %


def test_baseline_without_a_current_value_cannot_be_judged():
    assert evaluate_rule(OFF_BASELINE, values(80, 82, 78, 80, None)).fired is None


# ------------------------------------------------------------------------------------------ combinations


def test_and_fires_only_when_every_part_does():
    rule = {"op": "and", "args": [DROP, {"op": "value", "cmp": "<", "value": 70}]}
    result = evaluate_rule(rule, values(80, 60))
    assert result.fired is True
    assert result.reason.endswith("；本期（2022-2023-2）监测值 60 ＜ 70")
    assert evaluate_rule(rule, values(90, 70)).fired is False


def test_or_fires_when_one_part_does():
    rule = {"op": "or", "args": [DROP, ABOVE_10]}
    assert evaluate_rule(rule, values(8, 9)).fired is False
    assert evaluate_rule(rule, values(8, 11)).fired is True


def test_and_is_false_when_one_part_is_false_even_if_another_cannot_be_judged():
    rule = {"op": "and", "args": [DROP, {"op": "value", "cmp": ">", "value": 100}]}
    assert evaluate_rule(rule, values(60)).fired is False  # no previous period, but 60 is not > 100


def test_and_with_a_part_that_cannot_be_judged_does_not_fire():
    rule = {"op": "and", "args": [ABOVE_10, DROP]}
    result = evaluate_rule(rule, values(60))
    assert result.fired is None
    assert result.reason == "规则第 2 项（change）：历史不足，本期（2022-2023-1）之前没有上一期"


def test_or_fires_on_a_true_part_even_if_another_cannot_be_judged():
    assert evaluate_rule({"op": "or", "args": [DROP, ABOVE_10]}, values(60)).fired is True
    assert evaluate_rule({"op": "or", "args": [DROP, ABOVE_10]}, values(6)).fired is None


def test_not_inverts_a_judgement():
    rule = {"op": "not", "arg": ABOVE_10}
    assert evaluate_rule(rule, values(5)).fired is True
    assert evaluate_rule(rule, values(50)).fired is False


def test_not_of_something_that_cannot_be_judged_does_not_fire():
    result = evaluate_rule({"op": "not", "arg": DROP}, values(60))
    assert result.fired is None
    assert result.reason == "规则第 1 项（change）：历史不足，本期（2022-2023-1）之前没有上一期"


def test_a_drop_on_top_of_a_bad_streak():
    rule = {"op": "and", "args": [DROP, {"op": "consecutive", "n": 2, "outcome_in": ["warn", "failed"]}]}
    series = [("2022-2023-1", 90.0, "passed"), ("2022-2023-2", 80.0, "warn"), ("2023-2024-1", 60.0, "failed")]
    assert evaluate_rule(rule, series).fired is True
    series[1] = ("2022-2023-2", 80.0, "passed")
    assert evaluate_rule(rule, series).fired is False


# ------------------------------------------------------------------------------------------ applying after a run

ATTENDANCE = {
    "code": "T-CQL",
    "name": "学生出勤率",
    "level": "student",
    "entity": "student",
    "system": "supervision",
    "unit": "%",
    "direction": "higher",
    "period": "term",
    "owner": "zkzx",
    "formula": "出勤次数 ÷ 应出勤次数",
    "value": "present / total",
    "parts": {
        "present": {"from": "attendance", "where": "status == '0'", "by": "student_no", "value": "count()"},
        "total": {"from": "attendance", "by": "student_no", "value": "count()"},
    },
    "thresholds": [{"from": "2019-01-01", "standard": ">= 60", "warning": ">= 75"}],
}
STARTS = {t: dt.date(2022 + i // 2 + i % 2, 9 if i % 2 == 0 else 2, 1) for i, t in enumerate(TERMS)}
ZHAO, QIAN, ZHOU = "2023010101", "2023010102", "2023020101"  # 赵一, 钱二 (信息工程系), 周五 (护理系)
NAMES = {ZHAO: ("赵一", "xxgc"), QIAN: ("钱二", "xxgc"), ZHOU: ("周五", "hlx")}


@pytest.fixture
def attendance(cast):
    return indicator_create(raw=ATTENDANCE, by=cast.user("officer"))


def _outcome(value: float | None) -> str:
    return "no_data" if value is None else "passed" if value >= 75 else "warn" if value >= 60 else "failed"


def run_with(measurements: dict[str, list[float | None]], *, first: int = 0, **run_fields) -> EvaluationRun:
    """An evaluation run that recorded these values per student, term after term from TERMS[first]."""
    run = EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"], **run_fields)
    rows = [(student, TERMS[first + i], v) for student, vals in measurements.items() for i, v in enumerate(vals)]
    table = pa.table(
        {
            "run_id": [run.pk] * len(rows),
            "indicator": ["T-CQL"] * len(rows),
            "period": [p for _, p, _ in rows],
            "period_kind": ["term"] * len(rows),
            "period_start": [STARTS[p] for _, p, _ in rows],
            "entity_kind": ["student"] * len(rows),
            "entity": [s for s, _, _ in rows],
            "entity_name": [NAMES[s][0] for s, _, _ in rows],
            "org_unit": [NAMES[s][1] for s, _, _ in rows],
            "grp": [""] * len(rows),
            "value": [v for _, _, v in rows],
            "outcome": [_outcome(v) for _, _, v in rows],
            "tier": [""] * len(rows),
            "deviation": [None] * len(rows),
            "threshold_id": [None] * len(rows),
            "batches": [""] * len(rows),
            "evaluated_at": [dt.datetime(2025, 3, 1)] * len(rows),
        },
        schema=SCHEMA,
    )
    history_append(run_id=run.pk, measurements=table)
    return run


def rule_for(indicator, definition, *, name="出勤率骤降", severity=Severity.WARN, **kw) -> AlertRule:
    return AlertRule.objects.create(indicator=indicator, name=name, definition=definition, severity=severity, **kw)


def apply(run: EvaluationRun) -> dict[str, int]:
    from zhengai.alerts.rules import alert_rules_apply

    return alert_rules_apply(run=run)


@pytest.mark.django_db
def test_a_rule_opens_an_alert_only_for_the_students_where_it_fires(attendance, cast):
    rule = rule_for(attendance, DROP)
    run = run_with({ZHAO: [95, 90, 70], QIAN: [95, 90, 85], ZHOU: [30, 8, 2]})  # fell 22 %; 5.6 %; quiet

    counts = apply(run)

    alert = Alert.objects.get(rule=rule)
    assert (alert.entity_key, alert.rule_key, alert.period) == (ZHAO, f"rule:{rule.pk}", "2023-2024-1")
    assert (alert.status, alert.severity, alert.opened_value) == (AlertStatus.OPEN, Severity.WARN, 70)
    assert alert.owner_teacher == cast.li and alert.org_unit_code == "xxgc"  # routed to 赵一's adviser
    assert alert.events.filter(kind=EventKind.OPENED).count() == 1
    assert counts["opened"] == 1 and counts["fired"] == 1
    rule.refresh_from_db()
    assert rule.last_error == ""


@pytest.mark.django_db
def test_a_failed_severity_rule_opens_a_failed_alert(attendance):
    rule = rule_for(attendance, LOW_STREAK, name="连续三学期出勤率低于 75%", severity=Severity.FAILED)
    apply(run_with({ZHAO: [74, 70, 72], QIAN: [74, 80, 72]}))
    assert list(Alert.objects.filter(rule=rule).values_list("entity_key", "severity", "last_outcome")) == [
        (ZHAO, "failed", "failed")
    ]


@pytest.mark.django_db
def test_a_broken_rule_fires_nothing_and_keeps_the_reason_while_a_good_rule_still_works(attendance):
    broken = rule_for(attendance, {"op": "and", "args": [ABOVE_10, {"op": "change", "direction": "down"}]})
    unknown = rule_for(attendance, {"op": "python", "code": "value < 80"}, name="自定义表达式")
    good = rule_for(attendance, DROP, name="出勤率骤降（正确）")

    counts = apply(run_with({ZHAO: [95, 90, 70], QIAN: [95, 90, 85]}))

    assert not Alert.objects.filter(rule__in=[broken, unknown]).exists()
    assert Alert.objects.filter(rule=good).count() == 1
    broken.refresh_from_db()
    unknown.refresh_from_db()
    assert (
        broken.last_error
        == "规则“出勤率骤降”无法判断，未触发：规则第 2 项（change）缺少参数 pct 或 abs（至少给出一个）"
    )
    assert unknown.last_error.startswith('规则“自定义表达式”无法判断，未触发：规则：未知的运算 "python"')
    assert counts["broken"] == 2 and counts["rules"] == 3


@pytest.mark.django_db
def test_a_student_with_too_little_history_does_not_fire_and_is_named_in_last_error(attendance):
    rule = rule_for(attendance, {"op": "baseline", "k": 3, "z": 2}, name="出勤率偏离本人常态")
    counts = apply(run_with({ZHAO: [95, 94, 96, 60], QIAN: [95, 40]}))

    assert list(Alert.objects.filter(rule=rule).values_list("entity_key", flat=True)) == [ZHAO]
    rule.refresh_from_db()
    assert rule.last_error == (
        "规则“出勤率偏离本人常态”有 1 个对象无法判断，未触发（例如 钱二：规则（baseline）：历史不足，"
        "需要本期之前 3 期中至少 3 期有监测值，只有 1 期）"
    )
    assert counts["not_judged"] == 1


@pytest.mark.django_db
def test_a_fixed_rule_clears_its_last_error(attendance):
    rule = rule_for(attendance, {"op": "change", "direction": "down"})
    apply(run_with({ZHAO: [95, 90, 70]}))
    rule.refresh_from_db()
    assert rule.last_error
    rule.definition = DROP
    rule.save()
    apply(EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"]))
    rule.refresh_from_db()
    assert rule.last_error == "" and Alert.objects.filter(rule=rule).count() == 1


@pytest.mark.django_db
def test_a_recovered_student_counts_recovery_and_is_told_once(attendance):
    rule = rule_for(attendance, LOW_STREAK, name="出勤率连续偏低")
    apply(run_with({ZHAO: [74, 70, 72]}))
    alert = Alert.objects.get(rule=rule)

    apply(run_with({ZHAO: [90]}, first=3))  # back to 90: no longer three terms below 75
    alert.refresh_from_db()
    assert (alert.status, alert.recovered_evaluations, alert.period, alert.last_value) == (
        AlertStatus.OPEN,
        1,
        "2023-2024-1",
        90,
    )
    assert alert.values.order_by("-recorded_at", "-id").values_list("period", "value", "outcome")[0] == (
        "2023-2024-2",
        90,
        "passed",
    )
    recovered = alert.events.filter(kind=EventKind.RECOVERED)
    assert [e.note for e in recovered] == ["2023-2024-2 监测值 90，规则“出勤率连续偏低”不再触发"]

    apply(EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"]))  # a whole re-run
    alert.refresh_from_db()
    assert alert.recovered_evaluations == 2 and recovered.count() == 1


@pytest.mark.django_db
def test_a_run_that_did_not_touch_the_student_does_not_count_recovery(attendance):
    rule = rule_for(attendance, LOW_STREAK)
    apply(run_with({ZHAO: [74, 70, 72]}))
    apply(run_with({ZHAO: [90]}, first=3))
    # A run over one later term that wrote nothing for 赵一 has not evaluated him again.
    apply(run_with({QIAN: [80]}, first=4, periods=["2024-2025-1"]))
    assert Alert.objects.get(rule=rule).recovered_evaluations == 1


@pytest.mark.django_db
def test_a_relapse_while_recovering_resets_the_count(attendance):
    rule = rule_for(attendance, {"op": "value", "cmp": "<", "value": 75})
    apply(run_with({ZHAO: [70]}))
    apply(run_with({ZHAO: [80]}, first=1))
    assert Alert.objects.get(rule=rule).recovered_evaluations == 1
    counts = apply(run_with({ZHAO: [72]}, first=2))
    alert = Alert.objects.get(rule=rule)
    # The period that triggered the alert stays.
    assert (alert.recovered_evaluations, alert.last_value, alert.period) == (
        0,
        72,
        "2022-2023-1",
    )  # the period that triggered it stays
    assert counts["updated"] == 1 and counts["opened"] == 0


@pytest.mark.django_db
def test_re_running_on_the_same_data_adds_nothing(attendance):
    rule = rule_for(attendance, DROP)
    apply(run_with({ZHAO: [95, 90, 70]}))
    counts = apply(EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"]))
    alert = Alert.objects.get(rule=rule)
    assert alert.values.count() == 1 and alert.events.count() == 1
    assert (counts["fired"], counts["opened"], counts["updated"]) == (1, 0, 0)


@pytest.mark.django_db
def test_a_rule_alert_ignored_for_a_term_is_not_reopened_until_a_new_term_fires(attendance, cast):
    rule = rule_for(attendance, {"op": "value", "cmp": "<", "value": 75})
    apply(run_with({ZHAO: [70]}))
    officer = cast.user("officer")
    alert = Alert.objects.get(rule=rule)
    alert_request_ignore(alert=alert, by=officer, reason="该生本学期因病休学，已办理手续")
    alert_decide_ignore(alert=alert, by=officer, approve=True)

    apply(EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"]))
    assert list(Alert.objects.filter(rule=rule).values_list("status", flat=True)) == [AlertStatus.IGNORED]

    apply(run_with({ZHAO: [65]}, first=1))
    assert sorted(Alert.objects.filter(rule=rule).values_list("status", "period")) == [
        (AlertStatus.IGNORED, "2022-2023-1"),
        (AlertStatus.OPEN, "2022-2023-2"),
    ]


@pytest.mark.django_db
def test_only_enabled_rules_of_the_indicators_the_run_evaluated_are_applied(attendance):
    rule_for(attendance, DROP, enabled=False)
    run = run_with({ZHAO: [95, 90, 70]})
    assert apply(run)["rules"] == 0
    rule = rule_for(attendance, DROP, name="启用的规则")
    other = EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=["XS-GK"])
    assert apply(other)["rules"] == 0
    assert not Alert.objects.filter(rule=rule).exists()


@pytest.mark.django_db
def test_a_real_time_run_judges_only_the_students_of_its_batch(attendance):
    rule = rule_for(attendance, DROP)
    run_with({ZHAO: [95, 90, 70], ZHOU: [95, 90, 60]})
    batch = EvaluationRun.objects.create(
        status=RunStatus.SUCCEEDED, indicator_codes=["T-CQL"], entities={"student": [ZHOU]}
    )
    apply(batch)
    assert list(Alert.objects.filter(rule=rule).values_list("entity_key", flat=True)) == [ZHOU]


@pytest.mark.django_db
def test_rule_alerts_follow_every_finished_evaluation(attendance):
    rule = rule_for(attendance, DROP)
    counts = alerts_on_evaluation(run=run_with({ZHAO: [95, 90, 70]}))
    assert counts["rule_opened"] == 1
    assert Alert.objects.filter(rule=rule, entity_key=ZHAO).exists()
