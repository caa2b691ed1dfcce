"""Grades (with 补考 and 重修), attendance anomalies, 学生评教 and 督导听课.

A grade is drawn from the student's engagement that term and ability, the course's difficulty and
the teacher's marking; a low-engagement student also misses more classes and more exams.
"""

from __future__ import annotations

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import (
    Frame,
    Stream,
    Timeline,
    frame_concat,
    frame_filter,
    group_rank,
    obj,
    rng_for,
    sigmoid,
    to_day,
    where,
)
from zhengai.demo.generator.courses import Curriculum
from zhengai.demo.generator.people import Population
from zhengai.demo.generator.staff import Staff

BASE_SCORE = {"public": 77.0, "foundation": 75.0, "core": 76.0, "elective": 79.0}
PRACTICE_BASE = 83.0
ATTENDANCE_RATE = 0.012  # anomalies per student per session at average engagement


def expand_pairs(tl: Timeline, pop: Population, off: Frame, t: int, mask: np.ndarray | None = None):
    """(student index, offering index) for every student present in a class taking an offering in term t."""
    term = tl.data_terms[t]
    sel = off["_term"] == t
    if mask is not None:
        sel &= mask
    o_idx = np.flatnonzero(sel)
    o_idx = o_idx[np.argsort(off["_class"][o_idx], kind="stable")]
    n_classes = len(pop.classes["class_code"])
    counts = np.bincount(off["_class"][o_idx], minlength=n_classes)
    starts = np.cumsum(counts) - counts
    stu = np.flatnonzero(pop.present[:, term.index])
    k = pop.students["_class"][stu]
    rank = group_rank(k, stu)  # a student's place in the class: 岗位实习 groups are dealt round-robin
    reps = counts[k]
    s_rep = np.repeat(stu, reps)
    within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    o_rep = o_idx[np.repeat(starts[k], reps) + within]
    mine = off["_group"][o_rep] == np.repeat(rank, reps) % off["_groups"][o_rep]
    return s_rep[mine], o_rep[mine]


def choose_low_pass_courses(tl: Timeline, cur: Curriculum, plants: pl.Plants) -> None:
    off, courses = cur.offerings, cur.courses
    t = tl.term(plants.low_pass_term).data_index
    chosen = []
    for code in pl.LOW_PASS_MAJORS:
        m = next(i for i, spec in enumerate(cat.MAJORS) if spec.code == code)
        c = np.unique(off["_course"][(off["_term"] == t)])
        c = c[(courses["_major"][c] == m) & (courses["_module"][c] == "core")]
        if len(c):
            chosen.append(str(courses["course_code"][np.sort(c)[0]]))
    plants.low_pass_courses = chosen


def build_grades(tl: Timeline, seed: int, pop: Population, cur: Curriculum, staff: Staff, plants: pl.Plants) -> Frame:
    """The grades of the terms whose grades are published by `today` (make-ups once they are held)."""
    off, courses = cur.offerings, cur.courses
    rng = rng_for(seed, Stream.GRADES)
    difficulty = rng.normal(0.0, 1.5, len(courses["course_code"]))
    lenience = rng.normal(0.0, 1.2, len(staff.teachers["staff_no"]))
    low_pass_t = tl.term(plants.low_pass_term).data_index
    terms = tl.data_terms
    graded = len(tl.graded_terms)
    red = np.zeros(len(pop.students["student_no"]), dtype=bool)
    red[plants.red_students] = True

    parts = []
    for t, term in enumerate(tl.graded_terms):
        trng = rng_for(seed, Stream.GRADES, t)
        s, o = expand_pairs(tl, pop, off, t)
        c = off["_course"][o]
        module = courses["_module"][c]
        theory = np.isin(module, tuple(BASE_SCORE))
        e = pop.engagement[s, term.index]
        base = np.array([BASE_SCORE.get(x, PRACTICE_BASE) for x in module])
        latent = (
            base
            + np.where(theory, difficulty[c], difficulty[c] / 2)
            + lenience[off["_teacher"][o]]
            + np.where(theory, 7.0, 4.0) * e
            + 3.5 * pop.ability[s]
            + trng.normal(0.0, 1.0, len(s)) * np.where(theory, 7.0, 4.0)
        )
        score = np.clip(np.round(latent), 0, 100)
        if t == low_pass_t:
            # planted: a fixed, low share of each low-pass course's students pass
            for code in plants.low_pass_courses:
                rows = np.flatnonzero(courses["course_code"][c] == code)
                if not len(rows):
                    continue
                k = round(len(rows) * trng.uniform(*pl.LOW_PASS_RATE))
                ranked = rows[np.argsort(-latent[rows], kind="stable")]
                score[ranked[:k]] = np.clip(np.round(latent[ranked[:k]] - 8), 60, 95)
                score[ranked[k:]] = np.clip(np.round(latent[ranked[k:]] - 20), 20, 59)
        flag = np.full(len(s), "0", dtype=object)
        u = trng.random(len(s))
        p_flag = np.where(theory, 0.004 * np.exp(-1.2 * e), 0.0)
        hit = u < p_flag
        flag[hit] = obj(("1", "3", "4"))[trng.choice(3, size=int(hit.sum()), p=[0.4, 0.45, 0.15])]
        deferred = theory & ~hit & (u > 1 - 0.0015)
        flag[deferred] = "2"
        score = score.astype(float)
        score[flag != "0"] = 0.0
        score[deferred] = np.nan
        exam_day = np.where(
            theory,
            to_day(term.exam_start) + trng.integers(0, 10, len(s)).astype("timedelta64[D]"),
            to_day(term.day(18, 4)),
        )
        parts.append(
            {
                "_student": s,
                "_course": c,
                "_offering": o,
                "_t": np.full(len(s), t),
                "_kind": np.full(len(s), 1),
                "score": score,
                "exam_flag": flag,
                "exam_date": exam_day.astype("datetime64[D]"),
                "_e": e,
            }
        )
    first = frame_concat(parts)
    n1 = len(first["_student"])

    # ---- planted red-tier students: a fixed number of courses failed first time and at make-up
    red_fail = np.zeros(n1, dtype=bool)
    prng = rng_for(seed, Stream.PLANTS, 2)
    for st in plants.red_students:
        rows = np.flatnonzero(first["_student"] == st)
        rows = rows[np.isin(courses["_module"][first["_course"][rows]], tuple(BASE_SCORE))]
        k = min(len(rows), int(prng.integers(pl.RED_FAILED[0], pl.RED_FAILED[1] + 1)))
        fail = prng.choice(rows, size=k, replace=False)
        red_fail[fail] = True
        first["score"][fail] = np.round(prng.uniform(20, 55, k))
        first["exam_flag"][fail] = "0"
        keep = np.setdiff1d(np.flatnonzero(first["_student"] == st), fail)
        first["exam_flag"][keep] = "0"
        first["score"][keep] = np.maximum(
            np.nan_to_num(first["score"][keep]), np.round(prng.uniform(60, 70, len(keep)))
        )

    passed1 = (first["score"] >= 60) & (first["exam_flag"] == "0")

    # ---- 补考: every failed first attempt except cheating (作弊 goes straight to 重修)
    mrng = rng_for(seed, Stream.GRADES, 100)
    need = np.flatnonzero(~passed1 & (first["exam_flag"] != "4"))
    e = first["_e"][need]
    s = first["_student"][need]
    mscore = np.clip(np.round(62 + 6 * e + 2 * pop.ability[s] + mrng.normal(0, 8, len(need))), 0, 100)
    mflag = where(mrng.random(len(need)) < 0.03 * np.exp(-e), "3", "0")
    mscore[mflag != "0"] = 0
    is_red = red_fail[need]
    mscore[is_red] = np.round(mrng.uniform(30, 58, int(is_red.sum())))
    mflag[is_red] = "0"
    mpassed = (mscore >= 60) & (mflag == "0")

    # cap ordinary students at NORMAL_FAILED_CAP courses failed after make-up: the rest pass the make-up
    failed_rows = need[~mpassed]
    cheats = np.flatnonzero(first["exam_flag"] == "4")
    all_fail = np.concatenate([failed_rows, cheats])
    owners = first["_student"][all_fail]
    priority = np.concatenate([mrng.random(len(failed_rows)), np.full(len(cheats), -1.0)])
    rank = group_rank(owners, priority)
    over = all_fail[(rank >= pl.NORMAL_FAILED_CAP) & ~red[owners] & (np.arange(len(all_fail)) < len(failed_rows))]
    flip = np.isin(need, over)
    mscore[flip] = np.round(mrng.uniform(60, 66, int(flip.sum())))
    mflag[flip] = "0"
    mpassed = (mscore >= 60) & (mflag == "0")

    makeup_day = np.array([to_day(term.makeup_start) for term in terms])
    makeup_held = np.array([term.makeup_published < tl.today for term in terms])
    exam_day = np.array([to_day(term.exam_start) for term in terms])
    makeup = {
        "_student": s,
        "_course": first["_course"][need],
        "_offering": first["_offering"][need],
        "_t": first["_t"][need],
        "_kind": np.full(len(need), 2),
        "score": mscore.astype(float),
        "exam_flag": mflag,
        "exam_date": makeup_day[first["_t"][need]] + mrng.integers(0, 5, len(need)).astype("timedelta64[D]"),
        "_e": e,
    }
    makeup = frame_filter(makeup, makeup_held[makeup["_t"]])
    mpassed = mpassed[makeup_held[first["_t"][need]]]
    need = need[makeup_held[first["_t"][need]]]

    # ---- 重修: about half of what is still failed is retaken a year later, if the student is there
    still = np.concatenate([need[~mpassed], cheats])
    still = still[~red[first["_student"][still]]]
    rrng = rng_for(seed, Stream.GRADES, 200)
    later = first["_t"][still] + 2
    ok = later < graded
    st = first["_student"][still]
    sim_index = np.array([term.index for term in terms])
    later_idx = sim_index[np.minimum(later, len(terms) - 1)]
    ok &= pop.present[st, later_idx] & (rrng.random(len(still)) < 0.5)
    still = still[ok]
    st = first["_student"][still]
    rt = first["_t"][still] + 2
    r_e = pop.engagement[st, sim_index[rt]]
    rscore = np.clip(np.round(64 + 5 * r_e + rrng.normal(0, 8, len(still))), 0, 100)
    retake = {
        "_student": st,
        "_course": first["_course"][still],
        "_offering": np.full(len(still), -1),
        "_t": rt,
        "_kind": np.full(len(still), 3),
        "score": rscore.astype(float),
        "exam_flag": obj("0" for _ in range(len(still))),
        "exam_date": exam_day[rt] + rrng.integers(0, 10, len(still)).astype("timedelta64[D]"),
        "_e": r_e,
    }

    g = frame_concat([first, makeup, retake])
    order = np.lexsort((g["_kind"], g["_course"], g["_t"], g["_student"]))
    g = {k: v[order] for k, v in g.items()}
    term_codes = obj(t.code for t in terms)
    off_ids = np.append(off["offering_id"], None)
    return {
        "student_no": pop.students["student_no"][g["_student"]],
        "course_code": courses["course_code"][g["_course"]],
        "term": term_codes[g["_t"]],
        "exam_kind": obj(("", "1", "2", "3"))[g["_kind"]],
        "score": g["score"],
        "passed": (g["score"] >= 60) & (g["exam_flag"] == "0"),
        "credits": courses["credits"][g["_course"]],
        "exam_flag": g["exam_flag"],
        "offering_id": off_ids[g["_offering"]],
        "exam_date": g["exam_date"],
        "_student": g["_student"],
        "_course": g["_course"],
        "_t": g["_t"],
        "_kind": g["_kind"],
    }


def build_attendance(tl: Timeline, seed: int, pop: Population, cur: Curriculum) -> Frame:
    """Only anomalies are exported (迟到, 早退, 旷课, 请假), as a real attendance system does, up to yesterday."""
    off = cur.offerings
    parts = []
    for t, term in enumerate(tl.data_terms):
        rng = rng_for(seed, Stream.ATTENDANCE, t)
        s, o = expand_pairs(tl, pop, off, t, mask=off["_on_campus"])
        e = pop.engagement[s, term.index]
        sessions = off["sessions"][o]
        lam = sessions * ATTENDANCE_RATE * np.exp(-0.9 * e)
        count = np.minimum(rng.poisson(lam), sessions)
        pair = np.repeat(np.arange(len(s)), count)
        idx = (rng.random(len(pair)) * sessions[pair]).astype(np.int64)
        key = np.unique(pair * 1000 + idx)  # one record per student per session
        pair, idx = key // 1000, key % 1000
        so, oo = s[pair], o[pair]
        per_week = off["_per_week"][oo]
        week = idx // per_week
        slot = idx % per_week
        weekday = (off["_weekday"][oo] + 2 * slot) % 5
        day = to_day(term.teaching_start) + (7 * week + weekday).astype("timedelta64[D]")
        ee = pop.engagement[so, term.index]
        absent = rng.random(len(so)) < sigmoid(-0.6 - 0.9 * ee)
        other = obj(("1", "2", "4"))[rng.choice(3, size=len(so), p=[0.45, 0.15, 0.40])]
        status = other
        status[absent] = "3"
        parts.append(
            {
                "_student": so,
                "_offering": oo,
                "_t": np.full(len(so), t),
                "session_date": day,
                "period": off["_period"][oo],
                "status": status,
                "hours": np.where(np.isin(status, ("1", "2")), 1, 2).astype(np.int64),
            }
        )
    a = frame_concat(parts)
    a = frame_filter(a, tl.before_today(a["session_date"]))
    order = np.lexsort((a["_student"], a["_offering"], a["session_date"]))
    a = {k: v[order] for k, v in a.items()}
    return {
        "student_no": pop.students["student_no"][a["_student"]],
        "offering_id": off["offering_id"][a["_offering"]],
        "course_code": off["course_code"][a["_offering"]],
        "term": off["term"][a["_offering"]],
        "session_date": a["session_date"],
        "period": a["period"],
        "status": a["status"],
        "hours": a["hours"],
        "_student": a["_student"],
        "_t": a["_t"],
    }


def build_evaluations(
    tl: Timeline, seed: int, pop: Population, cur: Curriculum, staff: Staff, plants: pl.Plants
) -> Frame:
    """学生评教 of the terms whose evaluation has closed."""
    off = cur.offerings
    rng = rng_for(seed, Stream.EVALUATION)
    sel = np.flatnonzero(off["_on_campus"] & (off["enrolled"] > 0) & (off["_term"] < len(tl.evaluated_terms)))
    teacher = off["_teacher"][sel]
    quality = staff.teachers["_quality"][teacher]
    class_e = _class_engagement(tl, pop)[off["_class"][sel], off["_term"][sel]]
    score = 87 + 3.2 * quality + 0.5 * class_e + rng.normal(0, 1.2, len(sel))
    planted = staff.teachers["staff_no"][teacher] == plants.eval_teacher
    score[planted] = pl.EVAL_LOW_MEAN + rng.normal(0, 1.5, int(planted.sum()))
    enrolled = off["enrolled"][sel]
    respondents = np.maximum(1, rng.binomial(enrolled, rng.uniform(0.78, 0.97, len(sel))))
    return {
        "offering_id": off["offering_id"][sel],
        "term": off["term"][sel],
        "course_code": off["course_code"][sel],
        "staff_no": off["staff_no"][sel],
        "respondents": respondents.astype(np.int64),
        "score": np.round(np.clip(score, 0, 100), 2),
        "_teacher": teacher,
        "_t": off["_term"][sel],
    }


def _class_engagement(tl: Timeline, pop: Population) -> np.ndarray:
    """Mean engagement of the present students of each class in each data term."""
    n_classes = len(pop.classes["class_code"])
    out = np.zeros((n_classes, len(tl.data_terms)))
    for t, term in enumerate(tl.data_terms):
        here = pop.present[:, term.index]
        k = pop.students["_class"][here]
        total = np.bincount(k, weights=pop.engagement[here, term.index], minlength=n_classes)
        count = np.bincount(k, minlength=n_classes)
        out[:, t] = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return out


def build_observations(tl: Timeline, seed: int, cur: Curriculum, staff: Staff, plants: pl.Plants) -> Frame:
    """督导听课 in teaching weeks 3–16, up to yesterday."""
    off = cur.offerings
    teachers = staff.teachers
    rng = rng_for(seed, Stream.OBSERVATION)
    rows: list[tuple] = []
    for t, term in enumerate(tl.data_terms):
        sel = np.flatnonzero((off["_term"] == t) & off["_on_campus"])
        by_teacher: dict[int, list[int]] = {}
        for i in sel:
            by_teacher.setdefault(int(off["_teacher"][i]), []).append(int(i))
        for teacher in sorted(by_teacher):
            planted = teachers["staff_no"][teacher] == plants.eval_teacher
            cat_ = teachers["category"][teacher]
            p = 0.6 if teachers["stage"][teacher] == "1" and cat_ == "1" else {"1": 0.3, "4": 0.2}.get(cat_, 0.35)
            times = 2 if planted else int(rng.random() < p)
            for _ in range(times):
                o = by_teacher[teacher][int(rng.integers(0, len(by_teacher[teacher])))]
                observers = staff.supervisors[staff.supervisors != teacher]
                observer = int(observers[int(rng.integers(0, len(observers)))])
                day = term.day(int(rng.integers(3, 17)), int(off["_weekday"][o]))
                if planted:
                    score = pl.EVAL_LOW_MEAN + rng.normal(0, 2.0)
                else:
                    score = 84 + 4 * teachers["_quality"][teacher] + rng.normal(0, 3.0)
                rows.append((day, t, o, teacher, observer, float(np.clip(round(score, 1), 40, 99))))
    rows = [r for r in rows if r[0] < tl.today]
    rows.sort(key=lambda r: (r[0], r[3], r[2]))
    seq: dict[int, int] = {}
    ids = []
    for r in rows:
        seq[r[1]] = seq.get(r[1], 0) + 1
        ids.append(f"TK{tl.data_terms[r[1]].compact}{seq[r[1]]:05d}")
    o_idx = np.array([r[2] for r in rows], dtype=np.int64)
    scores = np.array([r[5] for r in rows])
    return {
        "observation_id": obj(ids),
        "observed_on": np.array([to_day(r[0]) for r in rows], dtype="datetime64[D]"),
        "term": off["term"][o_idx],
        "offering_id": off["offering_id"][o_idx],
        "course_code": off["course_code"][o_idx],
        "staff_no": teachers["staff_no"][np.array([r[3] for r in rows], dtype=np.int64)],
        "observer_staff_no": teachers["staff_no"][np.array([r[4] for r in rows], dtype=np.int64)],
        "score": scores,
        "comment": obj(_comment(x) for x in scores),
    }


def _comment(score: float) -> str:
    return next(text for floor, text in cat.OBSERVATION_COMMENTS if score >= floor)
