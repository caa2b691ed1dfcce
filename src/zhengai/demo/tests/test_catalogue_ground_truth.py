"""The built-in catalogue finds every problem planted in the demo college, and leaves the controls alone.

One test per planted problem (see GROUND_TRUTH.md): the problem entity is judged 未达标 by the
indicator that watches it, and each control entity of the same kind is judged 达标. The figures come
from the evaluation of the whole catalogue over the 600-student demo (fixture `evaluated_demo`).
"""

from __future__ import annotations

import pytest

# django_db: the session fixture needs the test database set up (it loads the demo into it).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FAILED, WARN, PASSED = "failed", "warn", "passed"


def _year(year: int) -> str:
    return f"{year}-{year + 1}"


def test_the_whole_catalogue_is_evaluated(evaluated_demo):
    assert evaluated_demo.run["indicators"] >= 80
    codes = set(evaluated_demo.history.column("indicator").to_pylist())
    assert len(codes) >= 80, "every indicator yields measurements on the demo college"


def test_major_student_teacher_ratio_over_18_is_failed(evaluated_demo):
    p = evaluated_demo.problem("major_student_teacher_ratio")
    for e in p["entities"]:
        m = evaluated_demo.measurement("ZY-SSB", p["latest_period"], e["major_code"])
        assert m["outcome"] == FAILED and m["value"] == pytest.approx(e["ratio"], abs=0.005)
    for c in p["controls"]:
        m = evaluated_demo.measurement("ZY-SSB", p["latest_period"], c["major_code"])
        assert m["outcome"] == PASSED and m["value"] == pytest.approx(c["ratio"], abs=0.005)


def test_courses_with_a_low_first_pass_rate_are_failed(evaluated_demo):
    p = evaluated_demo.problem("course_low_pass_rate")
    for e in p["entities"]:
        m = evaluated_demo.measurement("KC-TGL", e["term"], e["course_code"])
        assert m["outcome"] == FAILED and m["value"] == pytest.approx(e["pass_rate"], abs=1e-4)
    for c in p["controls"]:
        m = evaluated_demo.measurement("KC-TGL", c["term"], c["course_code"])
        assert m["outcome"] == PASSED


def test_a_sliding_class_is_failed_and_its_neighbour_is_not(evaluated_demo):
    p = evaluated_demo.problem("class_sliding")
    code = _class_slide_indicator(evaluated_demo)
    last_term = max(p["entities"][0]["terms"])
    assert last_term == p["latest_period"]
    m = evaluated_demo.measurement(code, last_term, p["entities"][0]["class_code"])
    # three sliding terms fail; when the last graded term is an autumn one the class has had only
    # three terms on campus (two slides), which is the warning tier
    assert (m["outcome"], m["value"]) == (FAILED if p["sliding_terms"] >= 3 else WARN, p["sliding_terms"])
    for c in p["controls"]:
        assert evaluated_demo.measurement(code, last_term, c["class_code"])["outcome"] == PASSED


def _class_slide_indicator(demo) -> str:
    from zhengai.indicators.declarations import shipped_catalogue

    found = [i.code for i in shipped_catalogue().values() if i.entity == "class" and "下滑" in i.name]
    assert len(found) == 1, f"the catalogue has one class-level sliding indicator, found {found}"
    return found[0]


def test_a_teacher_short_of_training_hours_is_failed(evaluated_demo):
    p = evaluated_demo.problem("teacher_training_short")
    period = p["latest_period"]
    for e in p["entities"]:
        m = evaluated_demo.measurement("JS-PXXS", period, e["staff_no"])
        assert m["outcome"] == FAILED and m["value"] == pytest.approx(e["hours"])
    for c in p["controls"]:
        m = evaluated_demo.measurement("JS-PXXS", period, c["staff_no"])
        assert m["outcome"] == PASSED and m["value"] == pytest.approx(c["hours"])


def test_a_dual_qualified_teacher_without_enterprise_practice_is_failed(evaluated_demo):
    p = evaluated_demo.problem("teacher_no_enterprise_practice")
    for e in p["entities"]:
        m = evaluated_demo.measurement("JS-QYSJ", p["latest_period"], e["staff_no"])
        assert m["outcome"] == FAILED and m["value"] == 0
    for c in p["controls"]:
        m = evaluated_demo.measurement("JS-QYSJ", p["latest_period"], c["staff_no"])
        assert m["outcome"] == PASSED and m["value"] == c["days"]


def test_a_teacher_with_low_evaluations_is_failed_every_term(evaluated_demo):
    p = evaluated_demo.problem("teacher_low_evaluation")
    for e in p["entities"]:
        for term, score in e["terms"].items():
            m = evaluated_demo.measurement("JS-PJ", term, e["staff_no"])
            assert m["outcome"] == FAILED and m["value"] == pytest.approx(score, abs=0.005)
    for c in p["controls"]:
        for term in c["terms"]:
            assert evaluated_demo.measurement("JS-PJ", term, c["staff_no"])["outcome"] == PASSED


def test_talent_training_plans_breaking_the_2019_rules_are_failed(evaluated_demo):
    p = evaluated_demo.problem("plan_breaks_rules")
    checked = 0
    for e in p["entities"]:
        if e["cohort"] < evaluated_demo.ground_truth["data_years"][0]:
            continue  # the plans of cohorts that entered before the demo's three academic years
        period = _year(e["cohort"])
        total = evaluated_demo.measurement("ZY-FA-ZXS", period, e["major_code"])
        practice = evaluated_demo.measurement("ZY-FA-SJ", period, e["major_code"])
        assert total["outcome"] == FAILED and total["value"] == pytest.approx(e["total_hours"])
        assert practice["outcome"] == FAILED and practice["value"] == pytest.approx(e["practice_share"], abs=1e-4)
        checked += 1
    assert checked >= 3
    for c in p["controls"]:
        period = _year(c["cohort"])
        for code in ("ZY-FA-ZXS", "ZY-FA-SJ", "ZY-FA-GGK", "ZY-FA-XX"):
            assert evaluated_demo.measurement(code, period, c["major_code"])["outcome"] == PASSED, code


def test_a_low_report_rate_is_failed(evaluated_demo):
    p = evaluated_demo.problem("major_low_report_rate")
    for e in p["entities"]:
        m = evaluated_demo.measurement("ZY-BDL", p["latest_period"], e["major_code"])
        assert m["outcome"] == FAILED and m["value"] == pytest.approx(e["rate"], abs=1e-4)
    for c in p["controls"]:
        assert evaluated_demo.measurement("ZY-BDL", p["latest_period"], c["major_code"])["outcome"] == PASSED


def test_low_placement_and_relevance_rates_are_failed(evaluated_demo):
    p = evaluated_demo.problem("major_low_employment")
    for e in p["entities"]:
        period = _year(e["graduation_year"] - 1)
        placement = evaluated_demo.measurement("ZY-JYL", period, e["major_code"])
        related = evaluated_demo.measurement("ZY-DKL", period, e["major_code"])
        assert placement["outcome"] == FAILED and placement["value"] == pytest.approx(e["placement_rate"], abs=1e-4)
        assert related["outcome"] == FAILED and related["value"] == pytest.approx(e["related_rate"], abs=1e-4)
    for c in p["controls"]:
        period = _year(c["graduation_year"] - 1)
        assert evaluated_demo.measurement("ZY-JYL", period, c["major_code"])["outcome"] == PASSED
        assert evaluated_demo.measurement("ZY-DKL", period, c["major_code"])["outcome"] == PASSED


def test_red_tier_students_are_failed_with_the_red_tier(evaluated_demo):
    p = evaluated_demo.problem("student_red_warning")
    for e in p["entities"]:
        m = evaluated_demo.measurement("XS-GK", p["latest_period"], e["student_no"])
        assert (m["outcome"], m["tier"], m["value"]) == (FAILED, "红色", e["courses"])
    for c in p["controls"]:
        m = evaluated_demo.measurement("XS-GK", p["latest_period"], c["student_no"])
        assert (m["outcome"], m["tier"], m["value"]) == (PASSED, "", 0)


def test_the_demo_school_meets_the_2004_basic_conditions_every_year(evaluated_demo):
    cards = {year: (c.card, c.below_qualified) for year, c in evaluated_demo.cards.items()}
    assert set(evaluated_demo.ground_truth["data_years"][:2]) <= set(cards)
    assert set(cards.values()) == {("合格", ())}


PLANTED = [
    # (problem id, indicator, field of the entity key in ground_truth.json)
    ("major_student_teacher_ratio", "ZY-SSB", "major_code"),
    ("course_low_pass_rate", "KC-TGL", "course_code"),
    ("class_sliding", "XS-BJXH", "class_code"),
    ("teacher_training_short", "JS-PXXS", "staff_no"),
    ("teacher_no_enterprise_practice", "JS-QYSJ", "staff_no"),
    ("teacher_low_evaluation", "JS-PJ", "staff_no"),
    ("plan_breaks_rules", "ZY-FA-ZXS", "major_code"),
    ("major_low_report_rate", "ZY-BDL", "major_code"),
    ("major_low_employment", "ZY-JYL", "major_code"),
    ("student_red_warning", "XS-GK", "student_no"),
]


def _latest(demo, code: str, key: str) -> dict:
    """The entity's latest judged period (无数据, 未设标准 and 周期未结束 judge nothing)."""
    rows = [r for r in demo.rows(code) if r["entity"] == key and r["outcome"] in (PASSED, WARN, FAILED)]
    assert rows, f"{code} {key}: no judged period"
    return max(rows, key=lambda r: r["period_start"])


def _in(demo, code: str, key: str, period: str) -> dict:
    [row] = [r for r in demo.rows(code) if r["entity"] == key and r["period"] == period]
    return row


@pytest.mark.parametrize(("problem", "code", "field"), PLANTED, ids=[p[0] for p in PLANTED])
def test_each_problem_is_out_of_range_in_its_latest_judged_period(evaluated_demo, problem, code, field):
    """Alerts open on an entity's latest judged period: the problem must be there, the controls in range there."""
    p = evaluated_demo.problem(problem)
    assert p["indicator"] == code
    for e in p["entities"]:
        latest = _latest(evaluated_demo, code, e[field])
        assert latest["period"] == p["latest_period"], (e[field], latest["period"])
        assert latest["outcome"] in (FAILED, WARN), (e[field], latest)
    keys = {e[field] for e in p["entities"]}
    for c in p["controls"]:
        if c[field] in keys:
            continue  # the same entity in an earlier, good period
        # In range in the planted period, and in its own latest judged period (for a cumulative indicator
        # that may be the running one, once the control has reached the line).
        there = _in(evaluated_demo, code, c[field], p["latest_period"])
        assert there["outcome"] == PASSED, (c[field], there)
        latest = _latest(evaluated_demo, code, c[field])
        assert latest["outcome"] == PASSED and latest["period_start"] >= there["period_start"], (c[field], latest)
