"""The planted problems are in the exports, measurable from them, and stand apart from the rest."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest

from zhengai.demo import measures
from zhengai.demo.generator import plants as pl
from zhengai.demo.readers import read_table
from zhengai.demo.tests.conftest import SMALL
from zhengai.demo.writers import GROUND_TRUTH

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def truth(exports) -> dict:
    return {p["id"]: p for p in json.loads((exports / GROUND_TRUTH).read_text("utf-8"))["problems"]}


@pytest.fixture(scope="module")
def all_tables(tables) -> dict:
    names = (
        "students", "classes", "teachers", "majors", "courses", "course_offerings", "grades", "attendance",
        "plan_courses", "teaching_evaluations", "teacher_training", "enterprise_practice", "admissions", "employment",
    )  # fmt: skip
    return {name: tables(name) for name in names}


@pytest.fixture(scope="module")
def canteen(exports) -> dict[tuple[str, str], int]:
    """Canteen transactions per (student, term), counted from the GBK card exports."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for path in sorted(exports.glob("yikatong_消费流水_*.csv")):
        term = path.stem.rsplit("_", 1)[1]
        for line in path.read_bytes().decode("gbk").splitlines()[1:]:
            cells = line.split(",")
            if cells[5] == "食堂":
                counts[(cells[2], term)] += 1
    return counts


def test_ground_truth_lists_ten_problems_each_with_entities_and_controls(truth):
    assert len(truth) == 10
    for problem in truth.values():
        assert problem["entities"], problem["id"]
        assert problem["controls"], problem["id"]
        assert problem["title"] and problem["rule"]


def test_planted_entities_exist_in_the_exports(truth, all_tables):
    keys = {
        "major_code": set(all_tables["majors"]["major_code"]),
        "course_code": set(all_tables["courses"]["course_code"]),
        "class_code": set(all_tables["classes"]["class_code"]),
        "staff_no": set(all_tables["teachers"]["staff_no"]),
        "student_no": set(all_tables["students"]["student_no"]),
    }
    for problem in truth.values():
        for row in problem["entities"] + problem["controls"]:
            for key, known in keys.items():
                if key in row and row[key] is not None:
                    assert row[key] in known, (problem["id"], key, row[key])


def test_student_teacher_ratio(truth, all_tables, timeline):
    p = truth["major_student_teacher_ratio"]
    measured = measures.measure_ratios(all_tables, timeline.year)
    assert sum(v["students"] for v in measured.values()) == SMALL  # --students is the census of the current year
    entity = p["entities"][0]
    assert measured[entity["major_code"]]["ratio"] == entity["ratio"] > p["threshold"]
    for c in p["controls"]:
        assert measured[c["major_code"]]["ratio"] == c["ratio"] < p["threshold"]


def test_low_pass_courses(truth, all_tables):
    p = truth["course_low_pass_rate"]
    rates = measures.measure_pass_rates(all_tables)
    assert 2 <= len(p["entities"]) <= 3
    for e in p["entities"]:
        assert rates[(e["course_code"], e["term"])]["pass_rate"] == e["pass_rate"] < 0.6
    for c in p["controls"]:
        assert rates[(c["course_code"], c["term"])]["pass_rate"] >= 0.7
    assert p["population"]["normal_min_pass_rate"] > max(e["pass_rate"] for e in p["entities"]) + 0.1


def test_the_sliding_class_slides_in_attendance_meals_and_grades(truth, all_tables, canteen, timeline):
    p = truth["class_sliding"]
    entity, control = p["entities"][0], p["controls"][0]
    terms = p["terms"]
    # from the class's first term up to the last graded term, which is the latest period
    assert terms[-1] == p["latest_period"] == timeline.last_graded_term.code
    assert len(terms) in (3, 4) and p["sliding_terms"] == len(terms) - 1
    slide = measures.measure_class_terms(all_tables, entity["class_code"], canteen)
    assert [slide[t] for t in terms] == [entity["terms"][t] for t in terms]
    absences = [slide[t]["anomalies_per_student"] for t in terms]
    meals = [slide[t]["canteen_per_student_day"] for t in terms]
    scores = [slide[t]["mean_score"] for t in terms]
    assert absences == sorted(absences) and len(set(absences)) == len(terms)
    assert meals == sorted(meals, reverse=True) and len(set(meals)) == len(terms)
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(terms)
    assert absences[-1] > 1.6 * absences[0] and scores[0] - scores[-1] > 2.5 * len(terms)
    steady = measures.measure_class_terms(all_tables, control["class_code"], canteen)
    assert steady[terms[-1]]["anomalies_per_student"] < 2 * steady[terms[0]]["anomalies_per_student"]
    assert abs(steady[terms[-1]]["mean_score"] - steady[terms[0]]["mean_score"]) < 6


def test_teacher_problems(truth, all_tables, timeline):
    # Both are cumulative: judged on the last finished year (the running one is 周期未结束 while short).
    finished = timeline.year - 1
    training = truth["teacher_training_short"]
    assert training["latest_period"] == f"{finished}-{finished + 1}"
    hours = measures.measure_training_hours(all_tables, finished)
    assert hours.get(training["entities"][0]["staff_no"], 0) <= 8 < training["threshold"]
    assert all(hours[c["staff_no"]] >= training["threshold"] for c in training["controls"])
    assert training["population"]["normal_min_hours"] >= training["threshold"]

    assert measures.measure_training_hours(all_tables, timeline.year).get(training["entities"][0]["staff_no"], 0) <= 8

    practice = truth["teacher_no_enterprise_practice"]
    assert practice["latest_period"] == f"{finished}-{finished + 1}"
    days = measures.measure_practice_days(all_tables, finished)
    teacher = practice["entities"][0]["staff_no"]
    dual = dict(zip(all_tables["teachers"]["staff_no"], all_tables["teachers"]["dual_qualified"], strict=True))
    assert dual[teacher] is True and days.get(teacher, 0) == 0
    assert all(days[c["staff_no"]] > 0 for c in practice["controls"])
    assert practice["population"]["others_without_practice"] == 0

    evaluation = truth["teacher_low_evaluation"]
    scores = measures.measure_evaluations(all_tables)
    low = scores[evaluation["entities"][0]["staff_no"]]
    assert len(low) == len(timeline.evaluated_terms) and max(low.values()) < evaluation["threshold"]
    assert max(low) == evaluation["latest_period"] == timeline.evaluated_terms[-1].code
    for c in evaluation["controls"]:
        assert min(scores[c["staff_no"]].values()) > evaluation["threshold"]
    assert evaluation["population"]["normal_min_teacher_mean"] > max(low.values()) + 5


def test_plan_rules_hold_for_normal_majors_and_fail_for_the_planted_one(truth, all_tables):
    plans = measures.measure_plans(all_tables)
    for (major, _cohort), figures in plans.items():
        if major == pl.PLAN_MAJOR:
            assert "实践性教学学时原则上占50%以上" in figures["breaks"]
            assert "总学时不低于2500" in figures["breaks"]
        else:
            assert figures["breaks"] == [], (major, figures)
    assert len(truth["plan_breaks_rules"]["entities"]) == 5


def test_plans_follow_the_credit_and_core_course_rules(all_tables):
    courses = all_tables["courses"]
    for code, theory, practice, credits in zip(
        courses["course_code"], courses["theory_hours"], courses["practice_hours"], courses["credits"], strict=True
    ):
        assert 16 <= (theory + practice) / credits <= 18, code  # 16–18 学时 per 学分
        assert credits * 2 == int(credits * 2), code
    plans = all_tables["plan_courses"]
    cores: dict[tuple[str, int], int] = defaultdict(int)
    for major, cohort, core in zip(plans["major_code"], plans["cohort"], plans["is_core"], strict=True):
        cores[(major, cohort)] += bool(core)
    assert len(cores) == 25 * 5 and all(6 <= n <= 8 for n in cores.values())


def test_report_and_employment_rates(truth, all_tables, timeline):
    report = truth["major_low_report_rate"]
    rates = measures.measure_report_rates(all_tables, timeline.year)
    e = report["entities"][0]
    assert rates[e["major_code"]]["rate"] == e["rate"] < report["threshold"]
    assert all(rates[c["major_code"]]["rate"] >= 0.85 for c in report["controls"])

    emp = truth["major_low_employment"]
    measured = measures.measure_employment(all_tables)
    # the cohorts that graduated by last summer: the current year's third-years are still in school
    assert [e["graduation_year"] for e in emp["entities"]] == [timeline.year - 1, timeline.year]
    for e in emp["entities"]:
        m = measured[(e["major_code"], e["graduation_year"])]
        assert m["placement_rate"] == e["placement_rate"] < emp["thresholds"]["placement_rate"]
        assert m["related_rate"] == e["related_rate"] <= emp["thresholds"]["related_rate"]
    for c in emp["controls"]:
        m = measured[(c["major_code"], c["graduation_year"])]
        assert m["placement_rate"] >= 0.85 and m["related_rate"] >= 0.7


def test_red_warning_students(truth, all_tables):
    p = truth["student_red_warning"]
    failed = measures.measure_failed_after_makeup(all_tables)
    assert 3 <= len(p["entities"]) <= 8
    for e in p["entities"]:
        assert failed[e["student_no"]]["courses"] == e["courses"] >= p["threshold"] + 1
    status = dict(zip(all_tables["students"]["student_no"], all_tables["students"]["status"], strict=True))
    assert all(status[e["student_no"]] == "01" for e in p["entities"])
    for c in p["controls"]:
        assert c["student_no"] not in failed
    assert p["population"]["normal_max_courses"] <= pl.NORMAL_FAILED_CAP < p["threshold"]


def test_low_engagement_students_fare_worse_in_every_source(small_build, exports, all_tables, canteen):
    """Bottom engagement decile: lower grades, more absences, fewer canteen meals than the top decile."""
    students = small_build.college.pop.students
    engagement = {str(s): e for s, e in zip(students["student_no"], students["_engagement"], strict=True) if e == e}
    grades = all_tables["grades"]
    score: dict[str, list[float]] = defaultdict(list)
    terms_on_campus: dict[str, set] = defaultdict(set)
    for st, kind, value in zip(grades["student_no"], grades["exam_kind"], grades["score"], strict=True):
        if kind == "1" and value is not None:
            score[st].append(value)
    absences: dict[str, int] = defaultdict(int)
    for st in all_tables["attendance"]["student_no"]:
        absences[st] += 1
    meals: dict[str, int] = defaultdict(int)
    for (st, term), n in canteen.items():
        meals[st] += n
        terms_on_campus[st].add(term)
    # this year's freshmen have no grades before their first exams
    on_campus = sorted((e, s) for s, e in engagement.items() if terms_on_campus.get(s) and score.get(s))
    k = len(on_campus) // 10
    bottom, top = [s for _, s in on_campus[:k]], [s for _, s in on_campus[-k:]]

    def mean(values):
        return float(np.mean(values))

    def per_term(counts, group):
        return mean([counts.get(s, 0) / len(terms_on_campus[s]) for s in group])

    assert mean([mean(score[s]) for s in bottom]) < mean([mean(score[s]) for s in top]) - 8
    assert per_term(absences, bottom) > 2 * per_term(absences, top)
    assert per_term(meals, bottom) < 0.9 * per_term(meals, top)
    visits = read_table(exports, "library_visits")
    lib = defaultdict(int)
    for st in visits["student_no"]:
        if st:
            lib[st] += 1
    assert per_term(lib, bottom) < 0.6 * per_term(lib, top)


def test_no_record_is_dated_today_or_later(tables, timeline):
    """The exports hold what the college's systems hold at the start of `today`: data up to yesterday."""
    import datetime as dt

    from zhengai.datacenter.standard import TABLES, FieldType

    for t in TABLES:
        data = tables(t.name)
        for f in t.fields:
            if f.type not in (FieldType.DATE, FieldType.DATETIME) or f.name not in data:
                continue
            days = [v.date() if isinstance(v, dt.datetime) else v for v in data[f.name] if v is not None]
            if f.name == "birth_date" or not days:
                continue
            assert max(days) < timeline.today, (t.name, f.name, max(days))
    # grades only for the terms whose exams are over; the other term tables only for terms begun
    assert set(tables("grades")["term"]) == {t.code for t in timeline.graded_terms}
    assert set(tables("course_offerings")["term"]) == {t.code for t in timeline.data_terms}
    assert set(tables("teaching_evaluations")["term"]) == {t.code for t in timeline.evaluated_terms}
    assert set(tables("admissions")["academic_year"]) == set(timeline.data_years)  # this year's intake is done


def test_graduates_and_leavers_stay_in_the_history(tables, timeline):
    students = tables("students")
    status = dict(zip(students["student_no"], students["status"], strict=True))
    cohort = dict(zip(students["student_no"], students["cohort"], strict=True))
    assert {"01", "05"} <= set(status.values()) and {"02", "03"} & set(status.values())
    graduated = {cohort[s] for s, v in status.items() if v == "05"}
    assert graduated == {c for c in timeline.cohorts if timeline.graduated(c)}
    assert all(cohort[s] >= timeline.year - 2 for s, v in status.items() if v == "01")
