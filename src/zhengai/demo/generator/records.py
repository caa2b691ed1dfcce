"""Term GPA and rank (教务) and online learning (在线教学平台): facts colleges have beside their grades."""

from __future__ import annotations

import numpy as np

from zhengai.demo.generator.base import Frame, Stream, Timeline, group_rank, group_size, obj, rng_for, to_day
from zhengai.demo.generator.courses import Curriculum
from zhengai.demo.generator.people import Population

PLATFORM = "智慧职教"
ONLINE_TERMS = 2  # the platform holds the last two terms begun (the college moved its online courses there)
STUDY_DAYS = 6  # mean study days per student, course and term


def _points(score: np.ndarray) -> np.ndarray:
    """5-point grade points: 60 → 1.0 … 100 → 5.0; a failed course 0."""
    return np.where(score >= 60, np.clip((score - 50) / 10, 1.0, 5.0), 0.0)


def build_term_gpa(tl: Timeline, pop: Population, grades: Frame) -> Frame:
    """Per student and graded term, from the first attempts: the credit-weighted grade point average, the
    credits taken and earned, and the rank in the class and in the major's cohort (1 = best)."""
    first = (grades["_kind"] == 1) & ~np.isnan(grades["score"])
    s, t = grades["_student"][first], grades["_t"][first]
    score, credits = grades["score"][first], grades["credits"][first].astype(float)
    earned = credits * (grades["passed"][first])
    n_terms = len(tl.data_terms)
    key = s.astype(np.int64) * n_terms + t
    pairs, inverse = np.unique(key, return_inverse=True)
    attempted = np.bincount(inverse, weights=credits)
    got = np.bincount(inverse, weights=earned)
    weighted = np.bincount(inverse, weights=_points(score) * credits)
    gpa = np.round(weighted / attempted, 2)
    student, term_i = pairs // n_terms, pairs % n_terms
    klass = pop.students["_class"][student]
    _, major = np.unique(pop.students["major_code"][student], return_inverse=True)
    cohort = pop.students["cohort"][student].astype(np.int64)
    class_key = term_i * 100_000 + klass
    major_key = (term_i * 1_000 + major) * 10_000 + cohort
    # Higher GPA ranks first; equal GPAs in student-number order.
    order_value = -gpa + student * 1e-9
    codes = obj(term.code for term in tl.data_terms)
    return {
        "student_no": pop.students["student_no"][student],
        "term": codes[term_i],
        "gpa": gpa,
        "credits_attempted": attempted,
        "credits_earned": got,
        "class_rank": group_rank(class_key, order_value) + 1,
        "class_size": group_size(class_key),
        "major_rank": group_rank(major_key, order_value) + 1,
        "major_size": group_size(major_key),
        "_name": pop.students["name"][student],
    }


def build_online_learning(tl: Timeline, seed: int, pop: Population, cur: Curriculum) -> Frame:
    """Study records of two college-wide online courses (first-years take one, second-years the other:
    thousands enrolled in each), one row per student, course and study day, up to yesterday."""
    courses = cur.courses
    public = np.flatnonzero(np.array([m is None for m in courses["major_code"]], dtype=bool))
    online = public[np.argsort(courses["course_code"][public], kind="stable")][:2]
    parts = []
    for term in tl.data_terms[-ONLINE_TERMS:]:
        rng = rng_for(seed, Stream.ONLINE, term.index)
        sem = pop.semester[:, term.index]
        span = min(16 * 7, (tl.today - term.teaching_start).days)
        for year, course in enumerate(online):
            students = np.flatnonzero(pop.present[:, term.index] & ((sem + 1) // 2 == year + 1))
            e = pop.engagement[students, term.index]
            k = np.maximum(1, rng.poisson(STUDY_DAYS * np.exp(0.3 * e)))
            who = np.repeat(students, k)
            day = rng.integers(0, span, len(who))
            key = np.unique(who.astype(np.int64) * 1_000 + day)  # one row per student and day
            who, day = key // 1_000, key % 1_000
            ew = pop.engagement[who, term.index]
            minutes = np.clip(np.round(rng.lognormal(3.2 + 0.25 * ew, 0.5)), 1, 600)
            clicks = np.maximum(1, np.round(minutes / 4 + rng.normal(0, 3, len(who)))).astype(np.int64)
            parts.append(
                {
                    "_student": who,
                    "_course": np.full(len(who), course),
                    "study_date": (to_day(term.teaching_start) + day.astype("timedelta64[D]")),
                    "minutes": minutes,
                    "clicks": clicks,
                    "tasks_done": rng.binomial(np.minimum(clicks, 20), 0.35).astype(np.int64),
                }
            )
    if not parts:
        empty = np.array([], dtype=np.int64)
        parts = [{"_student": empty, "_course": empty, "study_date": np.array([], dtype="datetime64[D]"),
                  "minutes": np.array([], dtype=float), "clicks": empty, "tasks_done": empty}]  # fmt: skip
    f = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((f["study_date"], f["_student"], f["_course"]))
    f = {k: v[order] for k, v in f.items()}
    code = courses["course_code"][f["_course"]]
    return {
        "platform": obj(PLATFORM for _ in range(len(code))),
        "platform_course_id": obj(f"ZJY-{c}" for c in code),
        "course_name": courses["course_name"][f["_course"]],
        "course_code": code,
        "student_no": pop.students["student_no"][f["_student"]],
        "study_date": f["study_date"],
        "minutes": f["minutes"],
        "clicks": f["clicks"],
        "tasks_done": f["tasks_done"],
        "_name": pop.students["name"][f["_student"]],
    }
