"""Admissions, graduate destinations, teacher development, school resources and finance."""

from __future__ import annotations

import datetime as dt

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import (
    Frame,
    Stream,
    Timeline,
    allocate,
    obj,
    rng_for,
    to_day,
)
from zhengai.demo.generator.people import Population
from zhengai.demo.generator.staff import Staff

PLACED_EMPLOYED = ("10", "11", "12", "30", "40")


def build_admissions(tl: Timeline, seed: int, pop: Population, plants: pl.Plants) -> Frame:
    """Per year, major and province: plan, admitted, reported. Reported equals the cohort's roster.

    The current year's admissions are done: 报到 closes before teaching starts in September.
    """
    rows = []
    for year in tl.data_years:
        rng = rng_for(seed, Stream.ADMISSIONS, year)
        cohort = pop.students["cohort"] == year
        for m, major in enumerate(cat.MAJORS):
            sel = cohort & (pop.students["_major"] == m)
            provinces, reported = np.unique(pop.students["origin_province"][sel].astype(str), return_counts=True)
            if not len(provinces):
                continue
            planted = major.code == pl.REPORT_MAJOR and year == plants.report_year
            rate = pl.REPORT_RATE + rng.uniform(-0.02, 0.02) if planted else rng.uniform(0.90, 0.97)
            total_admitted = max(int(reported.sum()), round(reported.sum() / rate))
            extra = allocate(total_admitted - int(reported.sum()), reported.astype(float))
            admitted = reported + extra
            fill = rng.uniform(0.96, 1.0, len(provinces))
            plan = np.maximum(admitted, np.round(admitted / fill)).astype(np.int64)
            order = np.argsort([_province_rank(p) for p in provinces], kind="stable")
            for j in order:
                rows.append((year, major.code, str(provinces[j]), int(plan[j]), int(admitted[j]), int(reported[j])))
    return {
        "academic_year": np.array([r[0] for r in rows], dtype=np.int64),
        "major_code": obj(r[1] for r in rows),
        "province": obj(r[2] for r in rows),
        "plan": np.array([r[3] for r in rows], dtype=np.int64),
        "admitted": np.array([r[4] for r in rows], dtype=np.int64),
        "reported": np.array([r[5] for r in rows], dtype=np.int64),
        "_major_name": obj(cat.MAJORS[_major_index(r[1])].name for r in rows),
    }


def _province_rank(name: str) -> int:
    return next(i for i, (p, _) in enumerate(cat.PROVINCES) if p == name)


def _major_index(code: str) -> int:
    return next(i for i, m in enumerate(cat.MAJORS) if m.code == code)


def employment_cohorts(tl: Timeline) -> list[int]:
    """The cohorts whose graduates were surveyed (31 August of the graduation year) before `today`."""
    return [c for c in tl.cohorts if dt.date(c + 3, 8, 31) < tl.today]


def build_employment(tl: Timeline, seed: int, pop: Population) -> Frame:
    """Destinations of each graduating cohort, surveyed on 31 August of the graduation year."""
    students = pop.students
    rows = []
    for cohort in employment_cohorts(tl):
        rng = rng_for(seed, Stream.EMPLOYMENT, cohort)
        grad_year = cohort + 3
        for m, major in enumerate(cat.MAJORS):
            grads = np.flatnonzero(
                (students["cohort"] == cohort) & (students["_major"] == m) & (students["status"] == "05")
            )
            if not len(grads):
                continue
            field = cat.FIELDS[major.field]
            planted = major.code == pl.EMPLOYMENT_MAJOR
            e = students["_engagement"][grads]
            e = np.where(np.isnan(e), 0.0, e)
            n = len(grads)
            dest = obj(
                np.array(("10", "11", "12", "20", "30", "40", "50"))[
                    rng.choice(7, size=n, p=[0.32, 0.26, 0.08, 0.17, 0.02, 0.13, 0.02])
                ]
            )
            # a fixed share per major and year, the least engaged first: rates stay where they are set
            unplaced_share = pl.EMPLOYMENT_UNPLACED if planted else rng.uniform(0.03, 0.08)
            noise = 0.3 if planted else 0.8
            unplaced = np.argsort(e + rng.normal(0, noise, n), kind="stable")[: round(n * unplaced_share)]
            dest[unplaced] = np.where(rng.random(len(unplaced)) < 0.8, "70", "80")
            employed = np.flatnonzero(np.isin(dest, PLACED_EMPLOYED))
            related_share = pl.EMPLOYMENT_RELATED if planted else min(0.97, field.related * rng.uniform(0.95, 1.05))
            order = np.argsort(-(e[employed] + rng.normal(0, 1.0, len(employed))), kind="stable")
            related = np.zeros(n, dtype=bool)
            # the planted share rounds down, so that a small cohort stays strictly below the 50 % line
            n_related = int(len(employed) * related_share) if planted else round(len(employed) * related_share)
            related[employed[order[:n_related]]] = True
            salary_base = field.salary * (0.85 if planted else 1.0)
            for i in range(n):
                d = dest[i]
                if d in PLACED_EMPLOYED or d == "50":
                    if d == "50":
                        employer, region = "中国人民解放军", "部队"
                    elif d == "30":
                        employer, region = f"{students['name'][grads[i]]}创业工作室", "商洛市"
                    else:
                        pool = field.employers if related[i] else cat.GENERAL_EMPLOYERS
                        employer = pool[int(rng.integers(0, len(pool)))]
                        region = "西安市" if "西安" in employer else ("商洛市" if rng.random() < 0.8 else "其他省市")
                    satisfaction = int(np.clip(round(4.1 + 0.35 * e[i] + rng.normal(0, 0.6)), 1, 5))
                    salary = round(salary_base * np.exp(rng.normal(0.05 * e[i], 0.15)) / 10) * 10
                    rel = bool(related[i]) if d != "50" else False
                    rows.append((grads[i], grad_year, major.code, d, rel, employer, region, salary, satisfaction))
                elif d == "20":
                    school = cat.UPGRADE_SCHOOLS[int(rng.integers(0, len(cat.UPGRADE_SCHOOLS)))]
                    rows.append((grads[i], grad_year, major.code, d, None, school, "陕西省", None, None))
                else:
                    rows.append((grads[i], grad_year, major.code, d, None, "", "", None, None))
    rows.sort(key=lambda r: students["student_no"][r[0]])
    student = np.array([r[0] for r in rows], dtype=np.int64)
    return {
        "student_no": students["student_no"][student],
        "graduation_year": np.array([r[1] for r in rows], dtype=np.int64),
        "major_code": obj(r[2] for r in rows),
        "destination": obj(r[3] for r in rows),
        "related": obj(r[4] for r in rows),
        "employer": obj(r[5] for r in rows),
        "employer_region": obj(r[6] for r in rows),
        "starting_salary": obj(r[7] for r in rows),
        "employer_satisfaction": obj(r[8] for r in rows),
        "surveyed_on": np.array([to_day(dt.date(r[1], 8, 31)) for r in rows], dtype="datetime64[D]"),
        "_name": students["name"][student],
        "_student": student,
    }


def _year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def build_training(tl: Timeline, seed: int, staff: Staff, plants: pl.Plants) -> Frame:
    """Full-time teachers train ≥ 40 学时 a year: the college's training in the first week of September
    (plants.TRAINING_NORM 学时) and more through the year; office staff a little. Finished by yesterday."""
    t = staff.teachers
    rows = []
    kinds = ("1", "2", "3", "4", "5")
    kind_p = (0.08, 0.27, 0.59, 0.03, 0.03)
    hour_range = {"1": (5, 15), "2": (3, 10), "3": (1, 4), "4": (15, 25), "5": (10, 20)}  # × 8 学时
    for year in tl.data_years:
        rng = rng_for(seed, Stream.TRAINING, year)
        start, end = _year_span(year)
        opening = dt.date(year, 9, 1)
        for i in np.flatnonzero(np.isin(t["category"], ("1", "4"))):
            planted = t["staff_no"][i] == plants.training_teacher and year >= plants.training_year
            records = []
            if planted:
                records.append(("3", "师德师风专题教育", pl.TRAINING_SHORT_HOURS))
            elif t["category"][i] == "1":
                rows.append((opening, i, "3", "新学年教师集中培训", opening + dt.timedelta(days=4), pl.TRAINING_NORM))
                for _ in range(int(rng.integers(0, 4))):
                    k = str(rng.choice(kinds, p=kind_p))
                    lo, hi = hour_range[k]
                    titles = cat.TRAINING_TITLES[k]
                    records.append((k, titles[int(rng.integers(0, len(titles)))], 8 * int(rng.integers(lo, hi + 1))))
            else:
                titles = cat.TRAINING_TITLES["3"]
                records.append(("3", titles[int(rng.integers(0, len(titles)))], 8 * int(rng.integers(1, 4))))
            for kind, title, hours in records:
                days = max(1, (hours + 7) // 8)
                if planted:  # early in the year, so the shortfall shows from the first weeks on
                    first = start + dt.timedelta(days=7 + int(rng.integers(0, 14)))
                else:
                    span = (end - start).days - days
                    first = start + dt.timedelta(days=int(rng.integers(0, span)))
                rows.append((first, i, kind, title, first + dt.timedelta(days=days - 1), hours))
    rows = [r for r in rows if r[4] < tl.today]
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    teacher = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "record_id": obj(f"PX{r[0].year}{i:05d}" for i, r in enumerate(rows, start=1)),
        "staff_no": t["staff_no"][teacher],
        "training_kind": obj(r[2] for r in rows),
        "title": obj(r[3] for r in rows),
        "start_date": np.array([to_day(r[0]) for r in rows], dtype="datetime64[D]"),
        "end_date": np.array([to_day(r[4]) for r in rows], dtype="datetime64[D]"),
        "hours": np.array([float(r[5]) for r in rows]),
        "_name": t["name"][teacher],
    }


def build_practice(tl: Timeline, seed: int, staff: Staff, plants: pl.Plants) -> Frame:
    """企业实践 in the summer or winter breaks that are over. Every 双师型 professional teacher has some — but one.

    The 人事处 register reaches one academic year before the data window: the three-year indicator
    (JS-QYSJ) of the last finished year needs it, and its running year is 周期未结束 until August.
    """
    t = staff.teachers
    rng = rng_for(seed, Stream.PRACTICE)
    first_year = tl.data_years[0] - 1
    breaks = []
    for year in (first_year, *tl.data_years):
        breaks.append((dt.date(year + 1, 1, 15), 30))  # winter
        breaks.append((dt.date(year + 1, 7, 5), 45))  # summer
    breaks = [b for b in breaks if b[0] + dt.timedelta(days=b[1]) < tl.today]
    rows = []
    for i in np.flatnonzero(t["category"] == "1"):
        if t["staff_no"][i] == plants.practice_teacher:
            continue
        professional = t["_major"][i] >= 0
        if professional and t["dual_qualified"][i]:
            count = int(rng.integers(1, 3))
        elif professional:
            count = int(rng.random() < 0.35)
        else:
            count = int(rng.random() < 0.03)
        if not count:
            continue
        field = cat.FIELDS[cat.MAJORS[t["_major"][i]].field if professional else "it"]
        for b in rng.choice(len(breaks), size=min(count, len(breaks)), replace=False):
            start, room = breaks[b]
            days = int(rng.integers(10, min(room, 45)))
            first = start + dt.timedelta(days=int(rng.integers(0, room - days + 1)))
            last = first + dt.timedelta(days=days - 1)
            enterprise = field.enterprises[int(rng.integers(0, len(field.enterprises)))]
            rows.append((first, int(i), enterprise, last, days))
    rows = [r for r in rows if dt.date(first_year, 9, 1) <= r[0] and r[3] < tl.today]
    rows.sort(key=lambda r: (r[0], r[1]))
    teacher = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "record_id": obj(f"SJ{r[0].year}{i:04d}" for i, r in enumerate(rows, start=1)),
        "staff_no": t["staff_no"][teacher],
        "enterprise": obj(r[2] for r in rows),
        "start_date": np.array([to_day(r[0]) for r in rows], dtype="datetime64[D]"),
        "end_date": np.array([to_day(r[3]) for r in rows], dtype="datetime64[D]"),
        "days": np.array([r[4] for r in rows], dtype=np.int64),
        "_name": t["name"][teacher],
    }


def build_research(tl: Timeline, seed: int, staff: Staff, courses: Frame) -> Frame:
    """Research outputs per calendar year, the three calendar years up to this one."""
    t = staff.teachers
    rows = []
    kinds = ("1", "2", "3", "4", "5", "6")
    kind_p = (0.55, 0.20, 0.08, 0.07, 0.06, 0.04)
    for year in tl.data_years:
        rng = rng_for(seed, Stream.RESEARCH, year)
        for i in np.flatnonzero(t["category"] == "1"):
            lam = 0.25 + 0.3 * (t["title_level"][i] in ("1", "2")) + 0.2 * (t["stage"][i] in ("3", "4"))
            for _ in range(int(rng.poisson(lam))):
                kind = str(rng.choice(kinds, p=kind_p))
                m = t["_major"][i]
                subject = cat.MAJORS[m].name if m >= 0 else str(t["_section"][i]).removesuffix("教研室")
                template = cat.RESEARCH_TEMPLATES[kind][int(rng.integers(0, len(cat.RESEARCH_TEMPLATES[kind])))]
                title = template.format(
                    topic=cat.RESEARCH_TOPICS[int(rng.integers(0, len(cat.RESEARCH_TOPICS)))],
                    subject=subject,
                    device=cat.RESEARCH_DEVICES[int(rng.integers(0, len(cat.RESEARCH_DEVICES)))],
                )
                grade = str(rng.choice(("1", "2", "3", "4", "9"), p=(0.02, 0.22, 0.36, 0.32, 0.08)))
                if kind == "2":
                    funding = {"1": 200000, "2": 50000, "3": 15000, "4": 3000, "9": 5000}[grade]
                    funding = float(round(funding * rng.uniform(0.6, 1.4), -2))
                elif kind == "6":
                    funding = float(round(rng.uniform(10000, 200000), -2))
                else:
                    funding = None
                rows.append((year, int(i), kind, grade, title, funding))
    rows.sort(key=lambda r: (r[0], r[1], r[4]))
    teacher = np.array([r[1] for r in rows], dtype=np.int64)
    return {
        "output_id": obj(f"KY{r[0]}{i:04d}" for i, r in enumerate(rows, start=1)),
        "staff_no": t["staff_no"][teacher],
        "kind": obj(r[2] for r in rows),
        "grade": obj(r[3] for r in rows),
        "title": obj(r[4] for r in rows),
        "year": np.array([r[0] for r in rows], dtype=np.int64),
        "funding": obj(r[5] for r in rows),
        "_name": t["name"][teacher],
    }


def resource_years(tl: Timeline) -> list[int]:
    """学年 whose 时点 (30 September, the census day of the basic-conditions report) is past."""
    return [y for y in tl.data_years if dt.date(y, 9, 30) < tl.today]


def build_resources(tl: Timeline, seed: int, pop: Population) -> Frame:
    """Facilities sized for the current year's students, comfortably above the 2004 综合类 standards."""
    rng = rng_for(seed, Stream.SCHOOL, 1)
    last = pop.census[tl.year]
    first = tl.data_years[0]
    rows = []
    for year in resource_years(tl):
        n = pop.census[year]
        value = round(5600 * n * rng.uniform(1.0, 1.05), -2)
        rows.append(
            {
                "academic_year": year,
                "school_category": "1",
                "land_area": round(66.0 * last, 0),
                "building_area": round(31.0 * last * (1.0 + 0.02 * (year - first)), 0),
                "teaching_admin_area": round(16.0 * last, 0),
                "dorm_area": round(7.2 * last, 0),
                "practice_area": round(6.0 * last, 0),
                "equipment_value": value,
                "equipment_new_value": round(value * rng.uniform(0.11, 0.14), -2),
                "books": int(86 * n),
                "books_new": int(3.4 * n),
                "teaching_computers": int(0.14 * n),
                "multimedia_seats": int(0.72 * n),
                "practice_stations": int(0.55 * n),
            }
        )
    return {k: (obj(r[k] for r in rows) if k == "school_category" else np.array([r[k] for r in rows])) for k in rows[0]}


def finance_years(tl: Timeline) -> list[int]:
    """The last three calendar years that are closed (决算 of a year is known once it has ended)."""
    return [tl.today.year - 3, tl.today.year - 2, tl.today.year - 1]


def build_finance(tl: Timeline, seed: int, pop: Population, resources: Frame) -> Frame:
    rng = rng_for(seed, Stream.SCHOOL, 2)
    rows = []
    years = list(resources["academic_year"])

    def clamp(year: int) -> int:  # the headcount and equipment of the nearest year with data
        return min(max(year, years[0]), years[-1])

    for year in finance_years(tl):
        # a calendar year spans two academic years: weight the spring and autumn headcounts
        n = (pop.census[clamp(year - 1)] * 8 + pop.census[clamp(year)] * 4) / 12
        income = {
            "R01": 12000 * n * rng.uniform(0.98, 1.04),
            "R02": 5200 * n * rng.uniform(0.97, 1.02),
            "R03": rng.uniform(2e5, 8e5),
            "R04": rng.uniform(2e6, 5e6),
        }
        new_equipment = float(resources["equipment_new_value"][years.index(clamp(year))])
        spend = {
            "E01": 1800 * n,
            "E02": 200 * n,
            "E03": 300 * n,
            "E04": new_equipment,
            "E05": 600 * n,
            "E06": 3.4 * n * 45,
            "E07": n * rng.uniform(1500, 3000),
        }
        spend["E09"] = sum(income.values()) * 0.98 - sum(spend.values())
        for code, amount in {**income, **spend}.items():
            rows.append((year, code, round(float(amount), -2)))
    names = dict(_finance_names())
    return {
        "year": np.array([r[0] for r in rows], dtype=np.int64),
        "item_code": obj(r[1] for r in rows),
        "amount": np.array([r[2] for r in rows]),
        "_item_name": obj(names[r[1]] for r in rows),
    }


def _finance_names():
    from zhengai.datacenter.standard import CODE_SETS

    return CODE_SETS["finance_item"].codes
