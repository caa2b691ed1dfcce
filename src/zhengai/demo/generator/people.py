"""Majors, intake, classes and students, with each student's latent engagement and attrition.

Engagement is a latent score per student per term (mean 0, SD about 1): an AR(1) drift around the
student's own level, plus a small class effect. Everything the college records about a student
(absences, meals, library, grades, fitness, psych screening) is drawn from it, which is what makes
the exports correlate the way real campus data does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import (
    Frame,
    Stream,
    Timeline,
    allocate,
    graduation_day,
    obj,
    rng_for,
    to_day,
    where,
)

INTAKE_GROWTH = 1.04
CLASS_SIZE = 46
MAX_CLASS = 55
AR_RHO = 0.8
# Share of the students in school who leave (退学, 休学, 转学) during a term, by semester.
LEAVE_RATE = {1: 0.016, 2: 0.014, 3: 0.010, 4: 0.009, 5: 0.005, 6: 0.003}
LEAVE_KINDS = (("03", 0.65), ("02", 0.30), ("04", 0.05))


@dataclass
class Population:
    majors: Frame
    classes: Frame
    students: Frame
    engagement: np.ndarray  # students × simulated terms, planted offsets included
    engagement_base: np.ndarray  # without planted offsets (drives attrition)
    semester: np.ndarray  # students × simulated terms
    present: np.ndarray  # in school for the whole term: attends, eats, is graded
    at_start: np.ndarray  # enrolled on the first day of the term (census)
    leave_term: np.ndarray  # simulated term index of leaving, -1 if never
    ability: np.ndarray
    fitness: np.ndarray
    census: dict[int, int]  # academic start year → students in school on its first day


def _survivors(intake: int, terms: int) -> int:
    left = intake
    for semester in range(1, terms + 1):
        left -= int(LEAVE_RATE[semester] * left + 0.5)
    return left


def _intake_for(target: int, terms: int) -> int:
    intake = target
    while _survivors(intake, terms) < target:
        intake += 1
    return intake


def solve_intakes(n_students: int, year: int) -> dict[int, int]:
    """Intake per cohort such that exactly `n_students` are in school on the first day of the current
    学年 (`year`). Who leaves is random, how many leave per term is a fixed share, so the count is exact.
    """
    third, second = year - 2, year - 1
    terms_before = {third: 4, second: 2, year: 0}
    expected = {c: _survivors(10**6, t) / 10**6 for c, t in terms_before.items()}
    weights = {c: INTAKE_GROWTH ** (c - third) * expected[c] for c in terms_before}
    total = sum(weights.values())
    targets = {c: int(n_students * weights[c] / total + 0.5) for c in (third, second)}
    intakes = {c: _intake_for(targets[c], terms_before[c]) for c in (third, second)}
    survivors = sum(_survivors(intakes[c], terms_before[c]) for c in (third, second))
    intakes[year] = n_students - survivors
    intakes[third - 1] = int(intakes[third] / INTAKE_GROWTH + 0.5)
    intakes[third - 2] = int(intakes[third] / INTAKE_GROWTH**2 + 0.5)
    return dict(sorted(intakes.items()))


def build_majors() -> Frame:
    return {
        "major_code": obj(m.code for m in cat.MAJORS),
        "major_name": obj(m.name for m in cat.MAJORS),
        "dept_code": obj(m.dept for m in cat.MAJORS),
        "tier": obj(m.tier for m in cat.MAJORS),
        "duration": np.full(len(cat.MAJORS), 3, dtype=np.int64),
        "established_year": np.array([m.established for m in cat.MAJORS], dtype=np.int64),
        "leader_staff_no": obj("" for _ in cat.MAJORS),
        "enrolling": np.ones(len(cat.MAJORS), dtype=bool),
    }


def person_names(rng: np.random.Generator, female: np.ndarray, two_char_share: float) -> np.ndarray:
    """Surname by frequency, then one or two given-name characters by gender."""
    n = len(female)
    surnames = [s for s, _ in cat.SURNAMES]
    weights = np.array([w for _, w in cat.SURNAMES])
    s_idx = rng.choice(len(surnames), size=n, p=weights / weights.sum())
    male_pool, female_pool = cat.GIVEN_MALE, cat.GIVEN_FEMALE
    c1 = rng.random(n)
    c2 = rng.random(n)
    two = rng.random(n) < two_char_share
    names = []
    for i in range(n):
        pool = female_pool if female[i] else male_pool
        given = pool[int(c1[i] * len(pool))]
        if two[i]:
            given += pool[int(c2[i] * len(pool))]
        names.append(surnames[s_idx[i]] + given)
    return obj(names)


def build_population(tl: Timeline, n_students: int, seed: int, plants: pl.Plants) -> Population:
    rng = rng_for(seed, Stream.STUDENTS)
    majors = build_majors()
    intakes = solve_intakes(n_students, tl.year)
    cohorts = tl.cohorts
    sim_terms = tl.sim_terms
    n_majors = len(cat.MAJORS)

    # ---- who is in which major and class
    class_rows: list[tuple[int, int, int, int]] = []  # cohort, major, class_no, size
    for cohort in cohorts:
        weights = np.array([m.weight * (1 + m.growth) ** (cohort - tl.year + 2) for m in cat.MAJORS])
        minimum = 1 if intakes[cohort] >= 2 * n_majors else 0
        counts = allocate(intakes[cohort], weights, minimum=minimum)
        for m, count in enumerate(counts):
            if count == 0:
                continue
            n_classes = max(1, int(count / CLASS_SIZE + 0.5), -(-int(count) // MAX_CLASS))
            for class_no, size in enumerate(allocate(int(count), np.ones(n_classes)), start=1):
                class_rows.append((cohort, m, class_no, int(size)))
    cls_cohort = np.array([r[0] for r in class_rows], dtype=np.int64)
    cls_major = np.array([r[1] for r in class_rows], dtype=np.int64)
    cls_no = np.array([r[2] for r in class_rows], dtype=np.int64)
    cls_size = np.array([r[3] for r in class_rows], dtype=np.int64)
    class_codes = obj(f"{c}{m + 1:02d}{k:02d}" for c, m, k in zip(cls_cohort, cls_major, cls_no, strict=True))
    classes: Frame = {
        "class_code": class_codes,
        "class_name": obj(
            f"{cat.MAJORS[m].short}{c % 100:02d}-{k}班" for c, m, k in zip(cls_cohort, cls_major, cls_no, strict=True)
        ),
        "major_code": majors["major_code"][cls_major],
        "cohort": cls_cohort,
        "adviser_staff_no": obj("" for _ in class_rows),
        "_major": cls_major,
        "_size": cls_size,
    }

    # ---- students, in student-number order
    s_class = np.repeat(np.arange(len(class_rows)), cls_size)
    n = len(s_class)
    seq = np.arange(n) - np.repeat(np.cumsum(cls_size) - cls_size, cls_size) + 1
    s_major = cls_major[s_class]
    s_cohort = cls_cohort[s_class]
    female_share = np.array([m.female for m in cat.MAJORS])[s_major]
    female = rng.random(n) < female_share
    provinces = [p for p, _ in cat.PROVINCES]
    prov_w = np.array([w for _, w in cat.PROVINCES])
    birth = np.array([to_day(dt.date(int(c) - 20, 9, 1)) for c in cohorts])[s_cohort - cohorts[0]] + rng.integers(
        0, 2 * 365 + 200, n
    ).astype("timedelta64[D]")
    students: Frame = {
        "student_no": obj(f"{class_codes[c]}{q:02d}" for c, q in zip(s_class, seq, strict=True)),
        "name": person_names(rng, female, two_char_share=0.86),
        "gender": where(female, "2", "1"),
        "birth_date": birth,
        "major_code": majors["major_code"][s_major],
        "class_code": class_codes[s_class],
        "cohort": s_cohort,
        "status": obj("01" for _ in range(n)),
        "status_date": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "full_time": np.ones(n, dtype=bool),
        "poverty": rng.random(n) < 0.24,
        "origin_province": obj(provinces)[rng.choice(len(provinces), size=n, p=prov_w / prov_w.sum())],
        "_major": s_major,
        "_class": s_class,
        "_female": female,
    }
    perm = rng.permutation(n)
    students["_card_no"] = obj(f"8{1000000 + int(p) * 7 % 8999999:07d}" for p in perm)
    buildings = np.where(
        female,
        obj(cat.FEMALE_BUILDINGS)[rng.integers(0, len(cat.FEMALE_BUILDINGS), n)],
        obj(cat.MALE_BUILDINGS)[rng.integers(0, len(cat.MALE_BUILDINGS), n)],
    )
    students["_building"] = buildings
    students["_canteen"] = rng.integers(0, len(cat.CANTEENS), n)

    # ---- latent traits and engagement
    erng = rng_for(seed, Stream.ENGAGEMENT)
    ability = erng.standard_normal(n)
    level = 0.5 * ability + np.sqrt(0.75) * erng.standard_normal(n)
    shocks = erng.standard_normal((n, len(sim_terms)))
    base = np.empty((n, len(sim_terms)))
    base[:, 0] = level
    for k in range(1, len(sim_terms)):
        base[:, k] = AR_RHO * base[:, k - 1] + np.sqrt(1 - AR_RHO**2) * shocks[:, k]
    class_effect = erng.normal(0.0, 0.25, len(class_rows))
    base += class_effect[s_class][:, None]
    fitness = 0.3 * level + np.sqrt(0.91) * erng.standard_normal(n)
    engagement = base.copy()

    # ---- planted: the sliding class and the red-tier students
    prng = rng_for(seed, Stream.PLANTS)
    slide_major = int(np.flatnonzero(majors["major_code"] == pl.SLIDE_MAJOR)[0])
    slide = np.flatnonzero((cls_major == slide_major) & (cls_cohort == plants.slide_cohort) & (cls_no == 1))
    if len(slide):
        plants.slide_class = str(class_codes[slide[0]])
        members = np.flatnonzero(s_class == slide[0])
        for code, offset in plants.slide_offsets.items():
            k = next(t.index for t in sim_terms if t.code == code)
            engagement[members, k] += offset
    red: list[int] = []
    for major_code, count in pl.RED_MAJORS:
        m = int(np.flatnonzero(majors["major_code"] == major_code)[0])
        pool = np.flatnonzero((s_major == m) & (s_cohort == plants.red_cohort))
        take = min(count, len(pool))
        red.extend(sorted(int(i) for i in prng.choice(pool, size=take, replace=False)))
    plants.red_students = red
    if red:
        data_terms = [t.index for t in tl.data_terms]
        for k in data_terms:
            engagement[red, k] = -2.3 + 0.3 * prng.standard_normal(len(red))
    protected = np.zeros(n, dtype=bool)
    protected[red] = True

    # ---- attrition: a fixed share per cohort and term; the least engaged are the likeliest to go
    arng = rng_for(seed, Stream.ATTRITION)
    semester = tl.semester_matrix(s_cohort)
    leave_term = np.full(n, -1, dtype=np.int64)
    by_cohort = {c: np.flatnonzero(s_cohort == c) for c in cohorts}
    for term in sim_terms:
        for cohort in cohorts:
            sem = term.semester_of(cohort)
            if not 1 <= sem <= 6:
                continue
            members = by_cohort[cohort]
            active = members[leave_term[members] < 0]
            n_leave = int(LEAVE_RATE[sem] * len(active) + 0.5)
            candidates = active[~protected[active]]
            propensity = -0.9 * base[candidates, term.index] + arng.gumbel(size=len(candidates))
            chosen = candidates[np.argsort(-propensity, kind="stable")[:n_leave]]
            leave_term[chosen] = term.index
    leavers = np.flatnonzero(leave_term >= 0)
    kinds = [k for k, _ in LEAVE_KINDS]
    kind_p = [p for _, p in LEAVE_KINDS]
    students["status"][leavers] = obj(kinds)[arng.choice(len(kinds), size=len(leavers), p=kind_p)]
    starts = np.array([to_day(t.teaching_start) for t in sim_terms])
    students["status_date"][leavers] = starts[leave_term[leavers]] + arng.integers(7, 120, len(leavers)).astype(
        "timedelta64[D]"
    )
    # who would leave on or after `today` has not left yet: in school, with nothing recorded
    later = leavers[~tl.before_today(students["status_date"][leavers])]
    leave_term[later] = -1
    students["status"][later] = "01"
    students["status_date"][later] = np.datetime64("NaT")
    done = np.array([tl.graduated(int(c)) for c in cohorts])[s_cohort - cohorts[0]]
    graduates = np.flatnonzero((leave_term < 0) & done)
    students["status"][graduates] = "05"
    students["status_date"][graduates] = np.array(
        [to_day(graduation_day(int(c))) for c in s_cohort[graduates]], dtype="datetime64[D]"
    )

    in_school = (semester >= 1) & (semester <= 6)
    term_idx = np.arange(len(sim_terms))[None, :]
    never = leave_term[:, None] < 0
    present = in_school & (never | (leave_term[:, None] > term_idx))
    at_start = in_school & (never | (leave_term[:, None] >= term_idx))
    census = {t.start_year: int(at_start[:, t.index].sum()) for t in sim_terms if t.kind == 1}
    if census[tl.year] != n_students:
        raise RuntimeError(f"在校生人数计算有误：{census[tl.year]} ≠ {n_students}")

    data_cols = [t.index for t in tl.data_terms]
    weights = present[:, data_cols]
    students["_engagement"] = np.where(
        weights.any(axis=1),
        (engagement[:, data_cols] * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1),
        np.nan,
    )
    return Population(
        majors=majors,
        classes=classes,
        students=students,
        engagement=engagement,
        engagement_base=base,
        semester=semester,
        present=present,
        at_start=at_start,
        leave_term=leave_term,
        ability=ability,
        fitness=fitness,
        census=census,
    )
