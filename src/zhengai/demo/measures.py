"""How each planted problem is measured, from standard tables (field names of the data standard).

The functions take plain columns ({field: array}) so that they run both on the generated college
and on the exports read back through the source mappings; ground_truth.py and the tests use them.
They are the reference figures the platform's indicators should reproduce.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from zhengai.demo.generator.base import SAMPLE_WEEKS

Tables = dict[str, dict[str, np.ndarray]]
RED_TIER = 6  # courses failed after make-up (this demo's red line; see GROUND_TRUTH.md)
PLACED_EXCLUDED = ("70", "80")  # 待就业, 不就业拟升学
EMPLOYED = ("10", "11", "12", "30", "40")
SAMPLED_DAYS = 7 * len(SAMPLE_WEEKS)


def _year_terms(year: int) -> tuple[str, str]:
    return f"{year}-{year + 1}-1", f"{year}-{year + 1}-2"


def _day(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").astype(object)
    return value


def measure_ratios(t: Tables, year: int) -> dict[str, dict]:
    """生师比 per major in a year: students in school on 1 September ÷ (full-time + 0.5 × external).

    The teachers of a major are those who teach its own courses that year (course_offerings ×
    courses.major_code); 校内兼课 teachers are not counted (教发〔2004〕2号).
    """
    s = t["students"]
    start = dt.date(year, 9, 1)
    in_school = np.array(
        [
            year - 2 <= int(c) <= year and (st == "01" or (_day(d) is not None and _day(d) >= start))
            for c, st, d in zip(s["cohort"], s["status"], s["status_date"], strict=True)
        ]
    )
    students = defaultdict(int)
    for m in s["major_code"][in_school]:
        students[str(m)] += 1
    major_of_course = dict(zip(t["courses"]["course_code"], t["courses"]["major_code"], strict=True))
    category = dict(zip(t["teachers"]["staff_no"], t["teachers"]["category"], strict=True))
    terms = _year_terms(year)
    teaching: dict[str, set] = defaultdict(set)
    o = t["course_offerings"]
    for term, course, staff in zip(o["term"], o["course_code"], o["staff_no"], strict=True):
        major = major_of_course.get(course)
        if term in terms and major:
            teaching[str(major)].add(str(staff))
    out = {}
    for major in sorted(set(students) | set(teaching)):
        full = sum(1 for x in teaching[major] if category.get(x) == "1")
        ext = sum(1 for x in teaching[major] if category.get(x) in ("2", "3"))
        denom = full + 0.5 * ext
        out[major] = {
            "students": students[major],
            "full_time_teachers": full,
            "external_teachers": ext,
            "ratio": round(students[major] / denom, 2) if denom else None,
        }
    return out


def measure_pass_rates(t: Tables, exclude_students: set[str] = frozenset()) -> dict[tuple[str, str], dict]:
    """First-attempt pass rate per (course, term)."""
    g = t["grades"]
    total: dict[tuple[str, str], int] = defaultdict(int)
    passed: dict[tuple[str, str], int] = defaultdict(int)
    for st, c, term, kind, ok in zip(
        g["student_no"], g["course_code"], g["term"], g["exam_kind"], g["passed"], strict=True
    ):
        if kind != "1" or st in exclude_students:
            continue
        total[(c, term)] += 1
        passed[(c, term)] += bool(ok)
    return {k: {"graded": n, "pass_rate": round(passed[k] / n, 4)} for k, n in total.items()}


def measure_class_terms(t: Tables, class_code: str, canteen: dict[tuple[str, str], int]) -> dict[str, dict]:
    """Per term: absences per student, canteen meals per student per sampled day, mean first-attempt score."""
    members = set(t["students"]["student_no"][t["students"]["class_code"] == class_code].tolist())
    g = t["grades"]
    scores: dict[str, list[float]] = defaultdict(list)
    graded: dict[str, set] = defaultdict(set)
    for st, term, kind, score in zip(g["student_no"], g["term"], g["exam_kind"], g["score"], strict=True):
        if kind == "1" and st in members:
            graded[term].add(st)
            if score is not None and not (isinstance(score, float) and np.isnan(score)):
                scores[term].append(float(score))
    a = t["attendance"]
    anomalies: dict[str, int] = defaultdict(int)
    for st, term in zip(a["student_no"], a["term"], strict=True):
        if st in members:
            anomalies[term] += 1
    out = {}
    for term in sorted(graded):
        n = len(graded[term])
        meals = sum(canteen.get((st, term), 0) for st in graded[term])
        out[term] = {
            "students": n,
            "anomalies_per_student": round(anomalies[term] / n, 3),
            "canteen_per_student_day": round(meals / (n * SAMPLED_DAYS), 3),
            "mean_score": round(float(np.mean(scores[term])), 2) if scores[term] else None,
        }
    return out


def measure_training_hours(t: Tables, year: int) -> dict[str, float]:
    start, end = dt.date(year, 9, 1), dt.date(year + 1, 8, 31)
    tr = t["teacher_training"]
    out: dict[str, float] = defaultdict(float)
    for staff, day, hours in zip(tr["staff_no"], tr["start_date"], tr["hours"], strict=True):
        d = _day(day)
        if d and start <= d <= end:
            out[str(staff)] += float(hours)
    return dict(out)


def measure_practice_days(t: Tables, year: int) -> dict[str, int]:
    """企业实践 days per teacher in the three academic years ending with `year` (by start date)."""
    start, end = dt.date(year - 2, 9, 1), dt.date(year + 1, 8, 31)
    p = t["enterprise_practice"]
    out: dict[str, int] = defaultdict(int)
    for staff, day, days in zip(p["staff_no"], p["start_date"], p["days"], strict=True):
        d = _day(day)
        if d and start <= d <= end:
            out[str(staff)] += int(days)
    return dict(out)


def measure_evaluations(t: Tables) -> dict[str, dict[str, float]]:
    """Mean 学生评教 score per teacher per term."""
    e = t["teaching_evaluations"]
    acc: dict[tuple[str, str], list[float]] = defaultdict(list)
    for staff, term, score in zip(e["staff_no"], e["term"], e["score"], strict=True):
        acc[(str(staff), str(term))].append(float(score))
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (staff, term), values in sorted(acc.items()):
        out[staff][term] = round(float(np.mean(values)), 2)
    return dict(out)


def measure_plans(t: Tables) -> dict[tuple[str, int], dict]:
    """教职成〔2019〕13号 figures per plan (major × cohort)."""
    p = t["plan_courses"]
    kind = dict(zip(t["courses"]["course_code"], t["courses"]["course_kind"], strict=True))
    acc: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for major, cohort, course, nature, th, pr in zip(
        p["major_code"],
        p["cohort"],
        p["course_code"],
        p["course_nature"],
        p["theory_hours"],
        p["practice_hours"],
        strict=True,
    ):
        a = acc[(str(major), int(cohort))]
        hours = float(th) + float(pr)
        a["total"] += hours
        a["practice"] += float(pr)
        a["public"] += hours if kind.get(course) == "1" else 0.0
        a["elective"] += hours if nature in ("2", "3") else 0.0
    out = {}
    for key, a in acc.items():
        out[key] = {
            "total_hours": a["total"],
            "public_share": round(a["public"] / a["total"], 4),
            "practice_share": round(a["practice"] / a["total"], 4),
            "elective_share": round(a["elective"] / a["total"], 4),
        }
        out[key]["breaks"] = plan_breaks(out[key])
    return out


def plan_breaks(figures: dict) -> list[str]:
    rules = []
    if figures["total_hours"] < 2500:
        rules.append("总学时不低于2500")
    if figures["public_share"] < 0.25:
        rules.append("公共基础课不少于总学时1/4")
    if figures["practice_share"] < 0.5:
        rules.append("实践性教学学时原则上占50%以上")
    if figures["elective_share"] < 0.10:
        rules.append("选修课学时不少于10%")
    return rules


def measure_report_rates(t: Tables, year: int) -> dict[str, dict]:
    a = t["admissions"]
    admitted: dict[str, int] = defaultdict(int)
    reported: dict[str, int] = defaultdict(int)
    for y, major, ad, rep in zip(a["academic_year"], a["major_code"], a["admitted"], a["reported"], strict=True):
        if int(y) == year:
            admitted[str(major)] += int(ad)
            reported[str(major)] += int(rep)
    return {
        m: {"admitted": admitted[m], "reported": reported[m], "rate": round(reported[m] / admitted[m], 4)}
        for m in admitted
    }


def measure_employment(t: Tables) -> dict[tuple[str, int], dict]:
    """毕业去向落实率 (all but 待就业/不就业拟升学) and 专业对口率 (related among the employed)."""
    e = t["employment"]
    acc: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for major, year, dest, related in zip(
        e["major_code"], e["graduation_year"], e["destination"], e["related"], strict=True
    ):
        a = acc[(str(major), int(year))]
        a[0] += 1
        a[1] += dest not in PLACED_EXCLUDED
        if dest in EMPLOYED:
            a[2] += 1
            a[3] += bool(related)
    return {
        k: {
            "graduates": a[0],
            "placement_rate": round(a[1] / a[0], 4),
            "related_rate": round(a[3] / a[2], 4) if a[2] else None,
        }
        for k, a in acc.items()
    }


def measure_failed_after_makeup(t: Tables) -> dict[str, dict]:
    """Per student: courses failed at the first attempt and never passed since (补考, 重修)."""
    g = t["grades"]
    failed_first: dict[tuple[str, str], float] = {}
    ever_passed: set[tuple[str, str]] = set()
    for st, c, kind, ok, credits in zip(
        g["student_no"], g["course_code"], g["exam_kind"], g["passed"], g["credits"], strict=True
    ):
        if ok:
            ever_passed.add((st, c))
        elif kind == "1":
            failed_first[(st, c)] = float(credits)
    out: dict[str, dict] = defaultdict(lambda: {"courses": 0, "credits": 0.0})
    for (st, c), credits in failed_first.items():
        if (st, c) not in ever_passed:
            out[st]["courses"] += 1
            out[st]["credits"] += credits
    return dict(out)
