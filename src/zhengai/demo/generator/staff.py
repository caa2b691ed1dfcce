"""Teachers of the four categories, and who teaches, leads and advises what.

Each major has its own full-time teachers (专业教研室), sized so that its 生师比 in the last year
(students ÷ (full-time + 0.5 × external)) lands between 13 and 16 — except the planted major.
公共基础部 is sized by its teaching load; office staff (校内兼课) teach some public courses.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import (
    Frame,
    Stream,
    Timeline,
    obj,
    rng_for,
    to_day,
    where,
)
from zhengai.demo.generator.courses import Curriculum
from zhengai.demo.generator.people import Population, person_names

DEPT_FEMALE = {"hlx": 0.85, "yxx": 0.5, "jyx": 0.75, "jdx": 0.2, "jcb": 0.55}
CAPACITY = {"1": 10, "4": 3, "2": 4}  # public teaching tasks (classes) per term; 合班 keeps the hours sane
MODULE_ORDER = ("core", "foundation", "elective", "visit", "lab", "thesis", "internship")
TITLES = ("1", "2", "3", "4", "9")
TITLE_BY_AGE = (  # (minimum age, probabilities over TITLES)
    (50, (0.20, 0.55, 0.25, 0.0, 0.0)),
    (40, (0.05, 0.40, 0.50, 0.05, 0.0)),
    (30, (0.0, 0.10, 0.65, 0.25, 0.0)),
    (0, (0.0, 0.0, 0.10, 0.80, 0.10)),
)
DEGREES = ("1", "2", "3", "9")


@dataclass
class Staff:
    teachers: Frame
    supervisors: np.ndarray  # teacher indices of the 督导
    demo_teacher: int  # the 护理系 teacher behind the demo account 'jiaoshi'


def _census_by_major(tl: Timeline, pop: Population) -> np.ndarray:
    k = tl.first_term(tl.year).index
    return np.bincount(pop.students["_major"][pop.at_start[:, k]], minlength=len(cat.MAJORS))


def _specs(tl: Timeline, seed: int, n_students: int, pop: Population, cur: Curriculum) -> list[dict]:
    rng = rng_for(seed, Stream.TEACHERS, 1)
    specs: list[dict] = []
    census = _census_by_major(tl, pop)
    for m, major in enumerate(cat.MAJORS):
        planted = major.code == pl.RATIO_MAJOR
        ratio = pl.RATIO_TARGET * rng.uniform(0.97, 1.03) if planted else rng.uniform(*pl.NORMAL_RATIO)
        ext_share = 0.2 if planted else 0.25
        full = max(1, int(census[m] / ratio / (1 + 0.5 * ext_share) + 0.5))
        ext = int(ext_share * full + 0.5)
        adjunct = int(0.65 * ext + 0.5)
        base = {"major": m, "dept": major.dept, "pool": "", "section": f"{major.name}教研室"}
        specs += [{**base, "category": "1"} for _ in range(full)]
        specs += [{**base, "category": "3", "section": ""} for _ in range(adjunct)]
        specs += [{**base, "category": "2", "section": ""} for _ in range(ext - adjunct)]
    off = cur.offerings
    pools = cur.courses["_pool"][off["_course"]]
    for pool, section in cat.PUBLIC_POOLS.items():
        per_term = [int(((pools == pool) & (off["_term"] == t)).sum()) for t in range(len(tl.data_terms))]
        peak = max(per_term)
        if peak == 0:
            continue
        office = [
            (code, max(1, int(rate * n_students / 1000 + 0.5))) for code, p, rate in cat.PART_TIME_OFFICES if p == pool
        ]
        n_office = sum(n for _, n in office)
        n_ext = int(peak * 0.10 / CAPACITY["2"] + 0.5) if pool in cat.EXTERNAL_POOLS else 0
        rest = max(0, peak - CAPACITY["4"] * n_office - CAPACITY["2"] * n_ext)
        full = max(1, math.ceil(rest / CAPACITY["1"]))
        base = {"major": -1, "pool": pool, "section": section}
        specs += [{**base, "category": "1", "dept": "jcb"} for _ in range(full)]
        for code, count in office:
            specs += [{**base, "category": "4", "dept": code, "section": ""} for _ in range(count)]
        specs += [{**base, "category": "2", "dept": "jcb", "section": ""} for _ in range(n_ext)]
    return specs


def build_staff(tl: Timeline, seed: int, n_students: int, pop: Population, cur: Curriculum, plants: pl.Plants) -> Staff:
    specs = _specs(tl, seed, n_students, pop, cur)
    rng = rng_for(seed, Stream.TEACHERS, 2)
    n = len(specs)
    category = obj(s["category"] for s in specs)
    dept = obj(s["dept"] for s in specs)
    major = np.array([s["major"] for s in specs], dtype=np.int64)
    is_ft = category == "1"
    female_p = np.array([DEPT_FEMALE.get(d, 0.5) for d in dept])
    female = rng.random(n) < np.where(category == "2", 0.6, female_p)
    a = rng.beta(2.2, 2.8, n)
    age = np.where(is_ft, 24 + np.round(36 * a), 28 + np.round(28 * rng.beta(2, 2, n))).astype(np.int64)
    birth_year = tl.year - age
    birth_month = rng.integers(1, 13, n)

    title = np.empty(n, dtype=object)
    unset = np.ones(n, dtype=bool)
    u = rng.random(n)
    for floor, probs in TITLE_BY_AGE:
        sel = (age >= floor) & unset
        unset &= ~sel
        cdf = np.cumsum(probs)
        title[sel] = obj(TITLES)[np.minimum(np.searchsorted(cdf, u[sel] * cdf[-1], side="right"), 4)]
    title_name = np.empty(n, dtype=object)
    for i in range(n):
        names = cat.TITLE_NAMES[title[i]]
        title_name[i] = names[int(rng.integers(0, len(names)))]
    adjunct = np.flatnonzero(category == "3")
    for i in adjunct:
        field = cat.FIELDS[cat.MAJORS[major[i]].field]
        j = int(rng.choice(3, p=[0.2, 0.45, 0.35]))
        title[i] = ("1", "2", "3")[j]
        title_name[i] = field.adjunct_titles[j]
    college = np.flatnonzero(category == "2")
    title[college] = obj(("2", "3"))[rng.integers(0, 2, len(college))]
    title_name[college] = np.where(title[college] == "2", "副教授", "讲师")

    young = age < 40
    degree_p = {
        "ft_young": (0.05, 0.75, 0.20, 0.0),
        "ft_old": (0.03, 0.35, 0.60, 0.02),
        "3": (0.0, 0.25, 0.70, 0.05),
        "2": (0.05, 0.80, 0.15, 0.0),
        "4": (0.0, 0.45, 0.55, 0.0),
    }
    group = np.where(is_ft, np.where(young, "ft_young", "ft_old"), category)
    degree = np.empty(n, dtype=object)
    for key, probs in degree_p.items():
        sel = group == key
        degree[sel] = obj(DEGREES)[rng.choice(4, size=int(sel.sum()), p=probs)]
    education = np.where(np.isin(degree, ("1", "2")), "10", np.where(degree == "3", "20", "30")).astype(object)

    professional = major >= 0
    pools = obj(s["pool"] for s in specs)
    dual_p = np.where(
        is_ft & professional,
        np.where(np.isin(title, ("1", "2")), 0.75, 0.55),
        np.where(category == "3", 0.7, np.where(is_ft & (pools == "jsj"), 0.3, 0.03)),
    )
    dual = (rng.random(n) < dual_p) & (category != "4")
    stage = np.full(n, "", dtype=object)
    r = rng.random(n)
    internal = np.isin(category, ("1", "4"))
    stage[internal] = "1"
    stage[internal & (age >= 32) & np.isin(title, ("1", "2", "3"))] = "2"
    stage[is_ft & np.isin(title, ("1", "2")) & (r < 0.25)] = "3"
    stage[is_ft & (title == "1") & (r < 0.08)] = "4"
    hire_year = np.where(
        internal,
        np.minimum(birth_year + rng.integers(23, 31, n), tl.year - 2),
        rng.integers(tl.year - 9, tl.year - 1, n),
    )
    hire = np.array(
        [to_day(dt.date(int(y), 7, 1) if internal[i] else dt.date(int(y), 9, 1)) for i, y in enumerate(hire_year)]
    )
    employer = np.full(n, "", dtype=object)
    for i in adjunct:
        employers = cat.FIELDS[cat.MAJORS[major[i]].field].employers
        employer[i] = employers[int(rng.integers(0, len(employers)))]
    employer[college] = obj(cat.OTHER_COLLEGES)[rng.integers(0, len(cat.OTHER_COLLEGES), len(college))]
    qualified = np.where(category == "3", rng.random(n) < 0.2, rng.random(n) < 0.97)
    quality = np.clip(rng.standard_normal(n), -2.2, 2.2)

    # staff numbers: 校内 by hire date (1xxxxx), 校外 by engagement date (Wxxxx)
    order_int = np.flatnonzero(internal)[np.lexsort((np.flatnonzero(internal), hire[internal]))]
    order_ext = np.flatnonzero(~internal)[np.lexsort((np.flatnonzero(~internal), hire[~internal]))]
    staff_no = np.empty(n, dtype=object)
    staff_no[order_int] = obj(f"{100001 + k}" for k in range(len(order_int)))
    staff_no[order_ext] = obj(f"W{10001 + k}" for k in range(len(order_ext)))
    final = np.concatenate([order_int, order_ext])

    teachers: Frame = {
        "staff_no": staff_no,
        "name": person_names(rng, female, two_char_share=0.65),
        "gender": where(female, "2", "1"),
        "birth_year": birth_year,
        "category": category,
        "dept_code": dept,
        "title_level": title,
        "title_name": title_name,
        "degree": degree,
        "education": education,
        "dual_qualified": dual,
        "stage": stage,
        "employer": employer,
        "hire_date": hire,
        "teaching_qualified": qualified,
        "_major": major,
        "_pool": pools,
        "_section": obj(s["section"] for s in specs),
        "_birth_ym": obj(f"{y}-{mo:02d}" for y, mo in zip(birth_year, birth_month, strict=True)),
        "_quality": quality,
        "_age": age,
    }
    teachers = {k: v[final] for k, v in teachers.items()}
    supervisors, demo_teacher = _assign(tl, seed, pop, cur, teachers, plants)
    return Staff(teachers=teachers, supervisors=supervisors, demo_teacher=demo_teacher)


def _seniority(teachers: Frame, idx: np.ndarray) -> np.ndarray:
    """Teacher indices ordered most senior first (title, then age, then staff number)."""
    return idx[np.lexsort((idx, -teachers["_age"][idx], teachers["title_level"][idx].astype(str)))]


def _assign(tl: Timeline, seed: int, pop: Population, cur: Curriculum, teachers: Frame, plants: pl.Plants):
    rng = rng_for(seed, Stream.ASSIGN)
    off, courses = cur.offerings, cur.courses
    t_major = teachers["_major"]
    category = teachers["category"]
    is_ft = category == "1"
    o_course = off["_course"]

    # ---- majors: who teaches which class, course leaders, major leaders, advisers
    for m in range(len(cat.MAJORS)):
        ft = np.flatnonzero(is_ft & (t_major == m))
        ext = np.flatnonzero(~is_ft & (t_major == m))
        pool = np.concatenate([ft, ext])
        own = np.flatnonzero(courses["_major"] == m)
        mod_rank = np.array([MODULE_ORDER.index(x) for x in courses["_module"][own]])
        own = own[np.lexsort((own, mod_rank))]
        rank = np.zeros(len(courses["course_code"]), dtype=np.int64)
        rank[own] = np.arange(len(own))
        # each term the major's tasks, course by course, are dealt to its teachers in turn: everyone
        # teaches every term, and the classes of one course go to neighbouring teachers
        mine = np.isin(o_course, own)
        for t in range(len(tl.data_terms)):
            sel = np.flatnonzero(mine & (off["_term"] == t))
            sel = sel[np.lexsort((off["_group"][sel], off["_class"][sel], rank[o_course[sel]]))]
            off["_teacher"][sel] = pool[np.arange(len(sel)) % len(pool)]
        for c in own:
            rows = np.flatnonzero(o_course == c)
            rows = rows[np.lexsort((off["_class"][rows], off["_term"][rows]))]
            taught = [int(x) for x in off["_teacher"][rows] if is_ft[x]]
            courses["leader_staff_no"][c] = teachers["staff_no"][taught[0] if taught else ft[0]]
        leader = _seniority(teachers, ft)[0]
        pop.majors["leader_staff_no"][m] = teachers["staff_no"][leader]
        teachers["stage"][leader] = "4" if teachers["title_level"][leader] == "1" else "3"
        cls = np.flatnonzero(pop.classes["_major"] == m)
        cls = cls[np.lexsort((pop.classes["class_code"][cls].astype(str),))]
        advisers = ft[ft != leader] if len(ft) > 1 else ft
        for i, c in enumerate(cls):
            pop.classes["adviser_staff_no"][c] = teachers["staff_no"][advisers[i % len(advisers)]]

    # ---- public courses: every pool teacher takes tasks in turn, up to their capacity
    for pool in cat.PUBLIC_POOLS:
        members = np.flatnonzero(teachers["_pool"] == pool)
        if not len(members):
            continue
        cap = np.array([CAPACITY[c] for c in category[members]])
        slots = np.array([members[i] for r in range(cap.max()) for i in range(len(members)) if cap[i] > r])
        pub = np.flatnonzero(courses["_pool"] == pool)
        for t in range(len(tl.data_terms)):
            sel = np.flatnonzero(np.isin(o_course, pub) & (off["_term"] == t))
            sel = sel[np.lexsort((off["_class"][sel], o_course[sel]))]
            off["_teacher"][sel] = slots[np.arange(len(sel)) % len(slots)]
        seniors = _seniority(teachers, members[is_ft[members]])
        for i, c in enumerate(pub):
            courses["leader_staff_no"][c] = teachers["staff_no"][seniors[i % len(seniors)]]
    off["staff_no"] = teachers["staff_no"][off["_teacher"]]

    # ---- the demo teacher: leads 基础护理学 and advises the first 护理 class of the current year
    nursing = next(m for m, spec in enumerate(cat.MAJORS) if spec.code == "520201")
    first_core = next(c for c in np.flatnonzero(courses["_major"] == nursing) if courses["_module"][c] == "core")
    demo_no = courses["leader_staff_no"][first_core]
    demo_teacher = int(np.flatnonzero(teachers["staff_no"] == demo_no)[0])
    first_class = np.flatnonzero((pop.classes["_major"] == nursing) & (pop.classes["cohort"] == tl.year))
    if len(first_class):
        pop.classes["adviser_staff_no"][first_class[0]] = demo_no

    # ---- supervisors (督导): 督导办 staff and the two most senior teachers of each department
    sup = list(np.flatnonzero(teachers["dept_code"] == "ddb"))
    for dept in ("hlx", "yxx", "jyx", "jdx", "jcb"):
        sup += list(_seniority(teachers, np.flatnonzero(is_ft & (teachers["dept_code"] == dept)))[:2])
    supervisors = np.array(sorted(set(int(x) for x in sup)), dtype=np.int64)

    # ---- planted teachers
    leaders = set(pop.majors["leader_staff_no"].tolist()) | {demo_no}

    def choose(major_code: str, every_term: bool = False) -> int:
        m = next(i for i, spec in enumerate(cat.MAJORS) if spec.code == major_code)
        ft = np.flatnonzero(is_ft & (t_major == m))
        free = [int(t) for t in ft if teachers["staff_no"][t] not in leaders and int(t) not in supervisors]
        if every_term and free:
            # the teacher with classes in the most terms, so the low scores show term after term
            terms = [len(np.unique(off["_term"][(off["_teacher"] == t) & off["_on_campus"]])) for t in free]
            free = [t for t, n in zip(free, terms, strict=True) if n == max(terms)]
        return int(rng.choice(free)) if free else int(ft[0])

    e = choose(pl.EVAL_MAJOR, every_term=True)
    t = choose(pl.TRAINING_MAJOR)
    p = choose(pl.PRACTICE_MAJOR)
    plants.eval_teacher = str(teachers["staff_no"][e])
    plants.training_teacher = str(teachers["staff_no"][t])
    plants.practice_teacher = str(teachers["staff_no"][p])
    teachers["dual_qualified"][p] = True
    if teachers["stage"][p] == "1":
        teachers["stage"][p] = "2"
    return supervisors, demo_teacher
