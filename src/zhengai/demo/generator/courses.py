"""The course library, the talent-training plans (人才培养方案) and the term's teaching tasks.

Hours follow 教职成〔2019〕13号: 16–18 学时 per 学分, every normal plan has ≥ 2500 hours with public
courses ≥ 1/4, practice ≥ 50 % and electives ≥ 10 %. The planted major (plants.PLAN_MAJOR) keeps an
old theory-heavy plan and breaks the practice and total-hours rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import (
    TEACHING_WEEKS,
    Frame,
    Stream,
    Timeline,
    obj,
    rng_for,
)
from zhengai.demo.generator.people import Population

DEPT_LETTER = {"hlx": "H", "yxx": "Y", "jyx": "J", "jdx": "D", "jcb": "G"}
MIN_NORMAL_TOTAL = 2560  # normal plans keep a margin above the 2500-hour rule

# module → (course_kind code, plan course_nature)
MODULES = {
    "public": ("1", None),
    "foundation": ("2", "1"),
    "core": ("3", "1"),
    "elective": ("4", "2"),
    # 集中实践教学环节 have no course_kind of their own in the data standard yet; filed as 专业基础课.
    "visit": ("2", "1"),
    "lab": ("2", "1"),
    "thesis": ("2", "1"),
    "internship": ("2", "1"),
}
OFF_CAMPUS = ("thesis", "internship")
INTERNSHIP_GROUP = 12  # students per 岗位实习 supervisor: one teaching task per group


@dataclass
class Curriculum:
    courses: Frame
    plans: Frame
    offerings: Frame  # teaching tasks without a teacher yet


def credits_for(total: int) -> float:
    """16–18 学时 per 学分, in half credits."""
    for per in (16, 18, 17):
        if total % per == 0:
            return total / per
    return round(total / 17 * 2) / 2


def _hours(rng: np.random.Generator, module: str, planted: bool) -> tuple[int, int]:
    """(theory, practice) hours of one professional course."""
    if module == "foundation":
        total = 64 if rng.random() < 0.6 else 48
        practice = (8 if total == 64 else 0) if planted else (24 if total == 64 else 16)
    elif module == "core":
        total = 72 if rng.random() < 0.6 else 64
        practice = 8 if planted else total // 2 + (8 if rng.random() < 0.4 else 0)
    elif module == "elective":
        total, practice = 36, (0 if planted else 18)
    elif module == "visit":
        total, practice = 36, 36
    elif module == "lab":
        total = practice = 36 if planted else 72
    elif module == "thesis":
        total, practice = 54, 54
    else:  # internship, one of two halves of 6 months (教职成〔2019〕13号)
        total = practice = 180 if planted else 360
    return total - practice, practice


def build_curriculum(tl: Timeline, seed: int, pop: Population) -> Curriculum:
    rows: list[dict] = []
    for i, pc in enumerate(cat.PUBLIC_COURSES):
        rows.append(
            {
                "course_code": f"GB{i + 1:03d}",
                "course_name": pc.name,
                "module": "public",
                "dept_code": "jcb",
                "major": -1,
                "theory": pc.theory,
                "practice": pc.practice,
                "semester": pc.semester,
                "nature": pc.nature,
                "pool": pc.pool,
                "from_cohort": pc.from_cohort,
            }
        )
    for m, spec in enumerate(cat.MAJORS):
        rng = rng_for(seed, Stream.COURSES, m)
        planted = spec.code == pl.PLAN_MAJOR
        letter = DEPT_LETTER[spec.dept]
        cores = len(spec.core)
        core_sem = {6: [2, 2, 3, 3, 4, 4], 7: [2, 2, 3, 3, 3, 4, 4], 8: [2, 2, 3, 3, 3, 4, 4, 4]}[cores]
        n_found = len(spec.foundation)
        found_sem = [1] * ((n_found + 1) // 2) + [2] * n_found
        items: list[tuple[str, str, int]] = []  # module, name, semester
        items += [("foundation", name, found_sem[j]) for j, name in enumerate(spec.foundation)]
        items += [("core", name, core_sem[j]) for j, name in enumerate(spec.core)]
        items += [("elective", name, 3 if j < 3 else 4) for j, name in enumerate(spec.electives)]
        items += [
            ("visit", spec.practice[0], 2),
            ("lab", spec.practice[1], 4),
            ("thesis", spec.practice[2], 5),
        ]
        items += [("internship", "岗位实习（一）", 5), ("internship", "岗位实习（二）", 6)]
        seq = {"foundation": 0, "core": 0, "elective": 0, "practice": 0}
        kind_digit = {"foundation": "1", "core": "2", "elective": "3"}
        major_rows = []
        for module, name, semester in items:
            group = module if module in kind_digit else "practice"
            seq[group] += 1
            theory, practice = _hours(rng, module, planted)
            major_rows.append(
                {
                    "course_code": f"{letter}{m + 1:02d}{kind_digit.get(module, '4')}{seq[group]:02d}",
                    "course_name": name,
                    "module": module,
                    "dept_code": spec.dept,
                    "major": m,
                    "theory": theory,
                    "practice": practice,
                    "semester": semester,
                    "nature": MODULES[module][1],
                    "pool": "",
                    "from_cohort": 0,
                }
            )
        if not planted:
            _top_up(major_rows)
        rows += major_rows

    courses: Frame = {
        "course_code": obj(r["course_code"] for r in rows),
        "course_name": obj(r["course_name"] for r in rows),
        "course_kind": obj(MODULES[r["module"]][0] for r in rows),
        "dept_code": obj(r["dept_code"] for r in rows),
        "major_code": obj(cat.MAJORS[r["major"]].code if r["major"] >= 0 else None for r in rows),
        "theory_hours": np.array([r["theory"] for r in rows], dtype=np.int64),
        "practice_hours": np.array([r["practice"] for r in rows], dtype=np.int64),
        "credits": np.array([credits_for(r["theory"] + r["practice"]) for r in rows]),
        "leader_staff_no": obj("" for _ in rows),
        "_major": np.array([r["major"] for r in rows], dtype=np.int64),
        "_module": obj(r["module"] for r in rows),
        "_semester": np.array([r["semester"] for r in rows], dtype=np.int64),
        "_nature": obj(r["nature"] for r in rows),
        "_pool": obj(r["pool"] for r in rows),
        "_from_cohort": np.array([r["from_cohort"] for r in rows], dtype=np.int64),
    }
    plans = _build_plans(courses, tl.cohorts)
    offerings = _build_offerings(tl, seed, pop, courses, plans)
    return Curriculum(courses=courses, plans=plans, offerings=offerings)


def _top_up(rows: list[dict]) -> None:
    """Raise hours of a normal major until even the older (smaller) plan clears MIN_NORMAL_TOTAL."""
    public_old = sum(pc.theory + pc.practice for pc in cat.PUBLIC_COURSES if pc.from_cohort == 0)
    for module, step in (("foundation", 16), ("core", 8)):
        for r in rows:
            if public_old + sum(x["theory"] + x["practice"] for x in rows) >= MIN_NORMAL_TOTAL:
                return
            total = r["theory"] + r["practice"]
            if r["module"] == module and total in (48, 64) and (module == "core" or total == 48):
                r["theory"] += step // 2
                r["practice"] += step - step // 2
    if public_old + sum(x["theory"] + x["practice"] for x in rows) < MIN_NORMAL_TOTAL:
        raise RuntimeError("人才培养方案学时不足，请检查课程目录")


def _build_plans(courses: Frame, years: tuple[int, ...]) -> Frame:
    """One plan per major per cohort: the public courses of that cohort plus the major's own courses."""
    public = np.flatnonzero(courses["_major"] < 0)
    parts: list[np.ndarray] = []
    majors: list[np.ndarray] = []
    cohorts: list[np.ndarray] = []
    for m in range(len(cat.MAJORS)):
        own = np.flatnonzero(courses["_major"] == m)
        for cohort in years:
            pub = public[courses["_from_cohort"][public] <= cohort]
            idx = np.concatenate([pub, own])
            parts.append(idx)
            majors.append(np.full(len(idx), m))
            cohorts.append(np.full(len(idx), cohort))
    c = np.concatenate(parts)
    major = np.concatenate(majors)
    nature = courses["_nature"][c].copy()
    is_public = courses["_major"][c] < 0
    pub_nature = obj(pc.nature for pc in cat.PUBLIC_COURSES)
    nature[is_public] = pub_nature[c[is_public]]
    return {
        "major_code": obj(cat.MAJORS[i].code for i in major),
        "cohort": np.concatenate(cohorts).astype(np.int64),
        "course_code": courses["course_code"][c],
        "course_nature": nature,
        "semester_no": courses["_semester"][c],
        "theory_hours": courses["theory_hours"][c],
        "practice_hours": courses["practice_hours"][c],
        "credits": courses["credits"][c],
        "is_core": courses["_module"][c] == "core",
        "_course": c,
        "_major": major,
    }


def _build_offerings(tl: Timeline, seed: int, pop: Population, courses: Frame, plans: Frame) -> Frame:
    """Every class takes every plan course of its semester, as one teaching task per class.

    岗位实习 is supervised in groups: one task per group of about 12 students of a class.
    """
    rng = rng_for(seed, Stream.COURSES, 999)
    by_plan: dict[tuple[int, int, int], np.ndarray] = {}
    keys = np.stack([plans["_major"], plans["cohort"], plans["semester_no"]], axis=1)
    order = np.lexsort((plans["_course"], keys[:, 2], keys[:, 1], keys[:, 0]))
    for i in order:
        by_plan.setdefault(tuple(int(x) for x in keys[i]), []).append(int(plans["_course"][i]))
    classes = pop.classes
    n_classes = len(classes["class_code"])
    s_class = pop.students["_class"]
    term_col, course_col, class_col, enrolled_col, group_col, groups_col = [], [], [], [], [], []
    internship = courses["_module"] == "internship"
    for t, term in enumerate(tl.data_terms):
        enrolled = np.bincount(s_class[pop.present[:, term.index]], minlength=n_classes)
        for k in np.flatnonzero(enrolled > 0):
            sem = term.semester_of(int(classes["cohort"][k]))
            n = int(enrolled[k])
            for c in by_plan.get((int(classes["_major"][k]), int(classes["cohort"][k]), sem), ()):
                groups = -(-n // INTERNSHIP_GROUP) if internship[c] else 1
                for g in range(groups):
                    term_col.append(t)
                    course_col.append(c)
                    class_col.append(k)
                    enrolled_col.append((n - g + groups - 1) // groups)  # students are dealt round-robin
                    group_col.append(g)
                    groups_col.append(groups)
    t_arr = np.array(term_col, dtype=np.int64)
    c_arr = np.array(course_col, dtype=np.int64)
    k_arr = np.array(class_col, dtype=np.int64)
    g_arr = np.array(group_col, dtype=np.int64)
    gs_arr = np.array(groups_col, dtype=np.int64)
    hours = courses["theory_hours"][c_arr] + courses["practice_hours"][c_arr]
    module = courses["_module"][c_arr]
    off_campus = np.isin(module, OFF_CAMPUS)
    sessions = np.where(off_campus, hours // 6, (hours + 1) // 2)  # off campus: supervision days
    term_codes = obj(t.code for t in tl.data_terms)
    n = len(t_arr)
    return {
        "offering_id": obj(
            f"({term_codes[t]})-{courses['course_code'][c]}-{classes['class_code'][k]}"
            + (f"-{g + 1}" if gs > 1 else "")
            for t, c, k, g, gs in zip(t_arr, c_arr, k_arr, g_arr, gs_arr, strict=True)
        ),
        "term": term_codes[t_arr],
        "course_code": courses["course_code"][c_arr],
        "staff_no": obj("" for _ in range(n)),
        "class_code": classes["class_code"][k_arr],
        "planned_hours": hours.astype(np.int64),
        "sessions": sessions.astype(np.int64),
        "enrolled": np.array(enrolled_col, dtype=np.int64),
        "_term": t_arr,
        "_course": c_arr,
        "_class": k_arr,
        "_group": g_arr,
        "_groups": gs_arr,
        "_teacher": np.full(n, -1, dtype=np.int64),
        "_on_campus": ~off_campus,
        "_weekday": rng.integers(0, 5, n),
        "_period": rng.choice(np.array([1, 3, 5, 7]), n),
        "_per_week": np.maximum(1, -(-sessions // TEACHING_WEEKS)),
    }


def plan_stats(plans: Frame, courses: Frame) -> dict[tuple[str, int], dict[str, float]]:
    """Per (major, cohort): total hours and the public, practice and elective shares."""
    out: dict[tuple[str, int], dict[str, float]] = {}
    hours = plans["theory_hours"] + plans["practice_hours"]
    public = courses["_major"][plans["_course"]] < 0
    elective = np.isin(plans["course_nature"], ("2", "3"))
    keys = [(str(m), int(c)) for m, c in zip(plans["major_code"], plans["cohort"], strict=True)]
    uniq = list(dict.fromkeys(keys))
    index = {k: i for i, k in enumerate(uniq)}
    g = np.array([index[k] for k in keys])
    total = np.bincount(g, weights=hours)
    pub = np.bincount(g, weights=hours * public)
    practice = np.bincount(g, weights=plans["practice_hours"])
    elect = np.bincount(g, weights=hours * elective)
    for i, key in enumerate(uniq):
        out[key] = {
            "total_hours": float(total[i]),
            "public_share": float(pub[i] / total[i]),
            "practice_share": float(practice[i] / total[i]),
            "elective_share": float(elect[i] / total[i]),
        }
    return out
