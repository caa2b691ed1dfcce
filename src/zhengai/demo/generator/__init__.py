"""Generate the demo college in memory: `generate(n_students, seed, today) -> College`.

Same seed, size and `today`, same college, to the byte: every random draw comes from a numpy
Generator seeded from (seed, component[, term]); the calendar comes from the `Timeline` built from
`today` (the caller reads the clock once); nothing reads Python's global random or hash().
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from zhengai.demo.generator import affairs, campus, courses, people, records, school, staff, teaching
from zhengai.demo.generator.base import Frame, Timeline, obj
from zhengai.demo.generator.plants import Plants

WEEKDAYS = "一二三四五六日"
ORG_KIND = {"committee": "1", "leadership": "1", "office": "2", "department": "3", "quality": "4", "support": "5"}
PART_TABLES = ("card_transactions", "dorm_access")


@dataclass
class College:
    seed: int
    n_students: int
    timeline: Timeline
    tables: dict[str, Frame]
    plants: Plants
    pop: people.Population
    cur: courses.Curriculum
    staff: staff.Staff
    _part_makers: dict[str, Callable[[], Iterator[tuple[str, Frame]]]]
    aggregates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def term_codes(self) -> list[str]:
        return [t.code for t in self.timeline.data_terms]

    def parts(self, table: str) -> Iterator[tuple[str, Frame]]:
        """The per-term frames of a large event table, generated on demand (and summarised)."""
        n = len(self.pop.students["student_no"])
        terms = self.timeline.data_terms
        if table == "card_transactions":
            self.aggregates["canteen"] = np.zeros((n, len(terms)), dtype=np.int64)
            self.aggregates["card"] = np.zeros((n, len(terms)), dtype=np.int64)
        for term_code, frame in self._part_makers[table]():
            if table == "card_transactions":
                t = next(i for i, term in enumerate(terms) if term.code == term_code)
                s = frame["_student"]
                self.aggregates["card"][:, t] = np.bincount(s, minlength=n)
                canteen = frame["merchant_kind"] == "01"
                self.aggregates["canteen"][:, t] = np.bincount(s[canteen], minlength=n)
            yield term_code, frame


def departments_frame() -> Frame:
    doc = json.loads(resources.files("zhengai.org").joinpath("data", "org_units_default.json").read_text("utf-8"))
    units = sorted(doc["units"], key=lambda u: u["order"])
    return {
        "dept_code": obj(u["code"] for u in units),
        "dept_name": obj(u["name"] for u in units),
        "dept_kind": obj(ORG_KIND[u["kind"]] for u in units),
        "parent_code": obj(u["parent"] for u in units),
    }


def generate(n_students: int, seed: int, today: dt.date) -> College:
    """The college as its systems hold it at the start of `today`: data up to yesterday."""
    tl = Timeline(today)
    plants = Plants.for_timeline(tl)
    pop = people.build_population(tl, n_students, seed, plants)
    cur = courses.build_curriculum(tl, seed, pop)
    st = staff.build_staff(tl, seed, n_students, pop, cur, plants)
    teaching.choose_low_pass_courses(tl, cur, plants)
    grades = teaching.build_grades(tl, seed, pop, cur, st, plants)
    attendance = teaching.build_attendance(tl, seed, pop, cur)
    evaluations = teaching.build_evaluations(tl, seed, pop, cur, st, plants)
    observations = teaching.build_observations(tl, seed, cur, st, plants)
    visits, loans = campus.library(tl, seed, pop, st)
    resources_ = school.build_resources(tl, seed, pop)

    depts = departments_frame()
    dept_name = dict(zip(depts["dept_code"], depts["dept_name"], strict=True))
    t = st.teachers
    t["_dept_name"] = obj(dept_name.get(c, "") for c in t["dept_code"])
    name_of = dict(zip(t["staff_no"], t["name"], strict=True))
    pop.classes["_adviser_name"] = obj(name_of.get(s, "") for s in pop.classes["adviser_staff_no"])
    major_name = dict(zip(pop.majors["major_code"], pop.majors["major_name"], strict=True))
    pop.students["_major_name"] = obj(major_name[c] for c in pop.students["major_code"])
    pop.students["_class_name"] = pop.classes["class_name"][pop.students["_class"]]
    pop.students["card_no"] = pop.students["_card_no"]
    off = cur.offerings
    off["_schedule"] = obj(
        f"星期{WEEKDAYS[int(w)]}第{int(p)}-{int(p) + 1}节" for w, p in zip(off["_weekday"], off["_period"], strict=True)
    )

    tables: dict[str, Frame] = {
        "departments": depts,
        "majors": pop.majors,
        "courses": cur.courses,
        "classes": pop.classes,
        "students": pop.students,
        "teachers": t,
        "plan_courses": cur.plans,
        "course_offerings": off,
        "grades": grades,
        "term_gpa": records.build_term_gpa(tl, pop, grades),
        "online_learning": records.build_online_learning(tl, seed, pop, cur),
        "attendance": attendance,
        "teaching_evaluations": evaluations,
        "supervisor_observations": observations,
        "library_visits": visits,
        "library_loans": loans,
        "awards": affairs.build_awards(tl, seed, pop, grades),
        "discipline": affairs.build_discipline(tl, seed, pop, grades),
        "physical_tests": affairs.build_physical_tests(tl, seed, pop),
        "psych_screenings": affairs.build_psych(tl, seed, pop),
        "admissions": school.build_admissions(tl, seed, pop, plants),
        "employment": school.build_employment(tl, seed, pop),
        "teacher_training": school.build_training(tl, seed, st, plants),
        "enterprise_practice": school.build_practice(tl, seed, st, plants),
        "research_outputs": school.build_research(tl, seed, st, cur.courses),
        "school_resources": resources_,
        "finance": school.build_finance(tl, seed, pop, resources_),
    }
    makers = {
        "card_transactions": lambda: campus.card_parts(tl, seed, pop),
        "dorm_access": lambda: campus.dorm_parts(tl, seed, pop),
    }
    return College(
        seed=seed,
        n_students=n_students,
        timeline=tl,
        tables=tables,
        plants=plants,
        pop=pop,
        cur=cur,
        staff=st,
        _part_makers=makers,
    )
