"""Student affairs: awards and aid, discipline, fitness tests and psychological screening."""

from __future__ import annotations

import datetime as dt

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator.base import (
    Frame,
    Stream,
    Timeline,
    group_rank,
    group_size,
    obj,
    rng_for,
    to_day,
)
from zhengai.demo.generator.people import Population


def _year_performance(tl: Timeline, pop: Population, grades: Frame, year: int) -> np.ndarray:
    """Mean first-attempt score of each student in one academic year (NaN without grades)."""
    n = len(pop.students["student_no"])
    terms = [i for i, t in enumerate(tl.data_terms) if t.start_year == year]
    sel = (grades["_kind"] == 1) & np.isin(grades["_t"], terms) & ~np.isnan(grades["score"])
    total = np.bincount(grades["_student"][sel], weights=grades["score"][sel], minlength=n)
    count = np.bincount(grades["_student"][sel], minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def build_awards(tl: Timeline, seed: int, pop: Population, grades: Frame) -> Frame:
    """Awards and aid of each year, decided on fixed days; those decided before `today`."""
    rows: list[tuple] = []
    for year in tl.data_years:
        rng = rng_for(seed, Stream.AWARDS, year)
        k = tl.first_term(year).index
        eligible = np.flatnonzero(pop.present[:, k])
        perf = _year_performance(tl, pop, grades, year)[eligible]
        # a year whose grades are not in yet is judged on the year before
        before = _year_performance(tl, pop, grades, year - 1)[eligible]
        perf = np.where(np.isnan(perf), before, perf)
        perf = np.where(np.isnan(perf), 60.0, perf) + rng.normal(0, 0.5, len(eligible))
        group = pop.students["_major"][eligible] * 10000 + pop.students["cohort"][eligible]
        pct = 1 - (group_rank(group, perf) + 0.5) / group_size(group)  # 0 = best
        grade_year = year - pop.students["cohort"][eligible] + 1
        poor = pop.students["poverty"][eligible]
        u = rng.random(len(eligible))
        nat = np.flatnonzero(grade_year >= 2)
        nat = nat[np.argsort(-perf[nat], kind="stable")][: max(1, int(len(eligible) * 0.003))]
        for i in nat:
            rows.append((year, eligible[i], "11", "国家奖学金", 8000 if year == 2023 else 10000, dt.date(year, 12, 1)))
        inspire = np.flatnonzero(poor & (grade_year >= 2) & (pct < 0.3) & (u < 0.55))
        for i in inspire:
            rows.append(
                (
                    year,
                    eligible[i],
                    "12",
                    "国家励志奖学金",
                    5000 if year == 2023 else 6000,
                    dt.date(year, 11, 20),
                )
            )
        aid = np.flatnonzero(poor & (rng.random(len(eligible)) < 0.9))
        tier = rng.choice(3, size=len(aid), p=[0.3, 0.4, 0.3])
        amounts = (4400, 3300, 2200) if year == 2023 else (4950, 3700, 2450)
        for i, t in zip(aid, tier, strict=True):
            rows.append((year, eligible[i], "13", f"国家助学金（{'一二三'[t]}等）", amounts[t], dt.date(year, 10, 25)))
        for floor, ceil, name, amount in (
            (0, 0.03, "一", 1500),
            (0.03, 0.10, "二", 1000),
            (0.10, 0.20, "三", 500),
        ):
            for i in np.flatnonzero((pct >= floor) & (pct < ceil)):
                rows.append((year, eligible[i], "21", f"学院{name}等奖学金", amount, dt.date(year, 12, 15)))
        for i in np.flatnonzero(pct < 0.05):
            rows.append((year, eligible[i], "22", "三好学生", None, dt.date(year, 12, 15)))
        for i in np.flatnonzero((pct < 0.5) & (rng.random(len(eligible)) < 0.06)):
            rows.append((year, eligible[i], "23", "优秀学生干部", None, dt.date(year, 12, 15)))
        for i in np.flatnonzero(poor & (rng.random(len(eligible)) < 0.12)):
            rows.append(
                (
                    year,
                    eligible[i],
                    "31",
                    "勤工助学",
                    int(rng.integers(12, 25)) * 100,
                    dt.date(year + 1, 6, 30),
                )
            )
        for i in np.flatnonzero(poor & (rng.random(len(eligible)) < 0.04)):
            amount = int(rng.choice([500, 800, 1000]))
            rows.append((year, eligible[i], "32", "临时困难补助", amount, dt.date(year, 12, 20)))
        skilled = (pct < 0.05) & np.isin(pop.students["_major"][eligible], _skill_majors()) & (grade_year == 2)
        for i in np.flatnonzero(skilled & (rng.random(len(eligible)) < 0.2)):
            prize = int(rng.choice(3, p=[0.2, 0.35, 0.45]))
            rows.append(
                (
                    year,
                    eligible[i],
                    "41",
                    f"陕西省职业院校技能大赛{'一二三'[prize]}等奖",
                    (3000, 2000, 1000)[prize],
                    dt.date(year + 1, 5, 20),
                )
            )
    rows = [r for r in rows if r[5] < tl.today]
    rows.sort(key=lambda r: (r[0], r[5], r[2], int(r[1])))
    seq: dict[int, int] = {}
    ids = []
    for r in rows:
        seq[r[0]] = seq.get(r[0], 0) + 1
        ids.append(f"JZ{r[0]}{seq[r[0]]:05d}")
    student = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "award_id": obj(ids),
        "student_no": pop.students["student_no"][student],
        "academic_year": np.array([r[0] for r in rows], dtype=np.int64),
        "award_kind": obj(r[2] for r in rows),
        "award_name": obj(r[3] for r in rows),
        "amount": obj(r[4] for r in rows),
        "awarded_on": np.array([to_day(r[5]) for r in rows], dtype="datetime64[D]"),
        "_name": pop.students["name"][student],
        "_class_name": pop.classes["class_name"][pop.students["_class"][student]],
        "_student": student,
    }


def _skill_majors() -> list[int]:
    return [i for i, m in enumerate(cat.MAJORS) if m.dept in ("hlx", "yxx", "jdx")]


def build_discipline(tl: Timeline, seed: int, pop: Population, grades: Frame) -> Frame:
    rng = rng_for(seed, Stream.DISCIPLINE)
    rows: list[tuple] = []
    # cheating in an exam always ends in a 记过
    cheat = np.flatnonzero(grades["exam_flag"] == "4")
    for i in cheat:
        day = grades["exam_date"][i].astype(object) + dt.timedelta(days=int(rng.integers(10, 25)))
        rows.append((day, int(grades["_student"][i]), "3", "考试作弊"))
    for year in tl.data_years:
        k = tl.first_term(year).index
        here = np.flatnonzero(pop.present[:, k])
        p = 0.004 * np.exp(-1.0 * pop.engagement[here, k])
        for i in here[rng.random(len(here)) < p]:
            level = str(rng.choice(["1", "2", "3", "4"], p=[0.55, 0.25, 0.15, 0.05]))
            reasons = cat.DISCIPLINE_REASONS[level]
            day = dt.date(year, 9, 15) + dt.timedelta(days=int(rng.integers(0, 270)))
            rows.append((day, int(i), level, reasons[int(rng.integers(0, len(reasons)))]))
    # a few withdrawals are expulsions
    withdrawn = np.flatnonzero(
        (pop.students["status"] == "03")
        & (pop.students["status_date"] >= to_day(tl.window_start + dt.timedelta(days=14)))
    )
    for i in withdrawn[rng.random(len(withdrawn)) < 0.05]:
        day = pop.students["status_date"][i].astype(object) - dt.timedelta(days=3)
        reasons = cat.DISCIPLINE_REASONS["5"]
        rows.append((day, int(i), "5", reasons[int(rng.integers(0, len(reasons)))]))
    rows = [r for r in rows if r[0] < tl.today]
    rows.sort(key=lambda r: (r[0], r[1]))
    seq: dict[int, int] = {}
    ids, revoked = [], []
    for r in rows:
        seq[r[0].year] = seq.get(r[0].year, 0) + 1
        ids.append(f"商职院学处〔{r[0].year}〕{seq[r[0].year]}号")
        lift = r[0] + dt.timedelta(days=int(rng.integers(180, 365)))
        revoked.append(lift if r[2] != "5" and rng.random() < 0.6 and lift < tl.today else None)
    student = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "record_id": obj(ids),
        "student_no": pop.students["student_no"][student],
        "decided_on": np.array([to_day(r[0]) for r in rows], dtype="datetime64[D]"),
        "level": obj(r[2] for r in rows),
        "reason": obj(r[3] for r in rows),
        "revoked_on": np.array([to_day(d) if d else np.datetime64("NaT") for d in revoked], dtype="datetime64[D]"),
        "_name": pop.students["name"][student],
        "_student": student,
    }


def fitness_grade(score: np.ndarray) -> np.ndarray:
    return obj(("1", "2", "3", "4"))[np.select([score >= 90, score >= 80, score >= 60], [0, 1, 2], 3)]


def build_physical_tests(tl: Timeline, seed: int, pop: Population) -> Frame:
    """Every first- and second-year student each autumn (《国家学生体质健康标准》), tested by 31 October."""
    parts = []
    for year in tl.data_years:
        if dt.date(year, 10, 31) >= tl.today:
            continue
        rng = rng_for(seed, Stream.FITNESS, year)
        k = tl.first_term(year).index
        here = np.flatnonzero(pop.present[:, k] & (pop.semester[:, k] <= 3))
        female = pop.students["_female"][here]
        f = pop.fitness[here]
        e = pop.engagement[here, k]
        n = len(here)
        height = np.where(female, rng.normal(160, 5.5, n), rng.normal(172, 6.0, n))
        bmi = np.clip(rng.normal(np.where(female, 20.5, 21.5), 2.2, n) - 0.4 * f, 16.5, 32.0)
        weight = bmi * (height / 100) ** 2
        vital = np.where(female, 2700 + 450 * f, 4000 + 650 * f) + rng.normal(0, 250, n)
        run = np.where(female, 238 - 22 * f, 252 - 26 * f) - 6 * e + rng.normal(0, 10, n)
        total = np.clip(74 + 6 * f + 2.5 * e + rng.normal(0, 4, n), 35, 100)
        parts.append(
            {
                "_student": here,
                "academic_year": np.full(n, year),
                "height_cm": np.round(np.clip(height, 140, 200), 1),
                "weight_kg": np.round(np.clip(weight, 35, 130), 1),
                "vital_capacity": np.round(np.clip(vital, 1200, 7500)).astype(np.int64),
                "run_seconds": np.round(np.clip(run, 170, 420)),
                "total_score": np.round(total, 1),
            }
        )
    keys = parts[0].keys()
    p = {k: np.concatenate([x[k] for x in parts]) for k in keys}
    p["grade"] = fitness_grade(p["total_score"])
    p["student_no"] = pop.students["student_no"][p["_student"]]
    p["_name"] = pop.students["name"][p["_student"]]
    return p


def build_psych(tl: Timeline, seed: int, pop: Population) -> Frame:
    """UPI for every freshman in October; SCL-90 follow-up next spring for those flagged (up to yesterday)."""
    rows = []
    for year in tl.data_years:
        rng = rng_for(seed, Stream.PSYCH, year)
        k = tl.first_term(year).index
        fresh = np.flatnonzero(pop.present[:, k] & (pop.semester[:, k] == 1))
        e = pop.engagement[fresh, k]
        upi = np.clip(np.round(8 - 3.5 * e + rng.normal(0, 5, len(fresh)) + rng.exponential(2, len(fresh))), 0, 60)
        level = obj(("0", "1", "2"))[np.select([upi >= 25, upi >= 15], [2, 1], 0)]
        level[(upi >= 30) & (rng.random(len(fresh)) < 0.3)] = "3"
        days = rng.integers(0, 16, len(fresh))
        for i, s in enumerate(fresh):
            rows.append(
                (
                    dt.date(year, 10, 10) + dt.timedelta(days=int(days[i])),
                    int(s),
                    "UPI",
                    float(upi[i]),
                    level[i],
                )
            )
        flagged = fresh[level != "0"]
        spring = k + 1
        back = flagged[pop.present[flagged, spring]]
        prior = np.array([int(x) for x in level[level != "0"]])[pop.present[flagged, spring]]
        e2 = pop.engagement[back, spring]
        scl = np.clip(np.round(135 - 25 * e2 + 25 * prior + rng.normal(0, 28, len(back))), 90, 450)
        level2 = obj(("0", "1", "2"))[np.select([scl >= 200, scl >= 160], [2, 1], 0)]
        level2[(scl >= 260) & (rng.random(len(back)) < 0.3)] = "3"
        days = rng.integers(0, 40, len(back))
        for i, s in enumerate(back):
            rows.append(
                (
                    dt.date(year + 1, 3, 10) + dt.timedelta(days=int(days[i])),
                    int(s),
                    "SCL-90",
                    float(scl[i]),
                    level2[i],
                )
            )
    rows = [r for r in rows if r[0] < tl.today]
    rows.sort(key=lambda r: (r[0], r[1]))
    student = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "screening_id": obj(f"XL{r[0].year}{i:06d}" for i, r in enumerate(rows, start=1)),
        "student_no": pop.students["student_no"][student],
        "screened_on": np.array([to_day(r[0]) for r in rows], dtype="datetime64[D]"),
        "instrument": obj(r[2] for r in rows),
        "score": np.array([r[3] for r in rows]),
        "level": obj(r[4] for r in rows),
        "_name": pop.students["name"][student],
        "_student": student,
    }
