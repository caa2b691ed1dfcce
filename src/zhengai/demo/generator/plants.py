"""The known problems planted in the demo college.

Which majors carry a problem is fixed here. Which terms, years and cohorts carry it follows the
demo's timeline (`Plants.for_timeline`): each problem sits in the latest period that has data for
the indicator watching it, on an entity that is a current member on `today`, because that is the
period an alert opens on. Which classes, courses, teachers and students carry it is chosen from the
generated data (and recorded in `Plants`), so the ground truth never guesses a key.
ground_truth.py measures each problem from the generated tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zhengai.demo.generator.base import Timeline

# (1) 生师比: a young, fast-growing major whose teachers did not keep up.
RATIO_MAJOR = "510205"  # 大数据技术
RATIO_TARGET = 28.0  # students per (full-time + 0.5 × external) teacher in the last year; limit is 18
NORMAL_RATIO = (13.0, 16.0)

# (2) Courses with a first-attempt pass rate far below 60 % in one term (the last graded term).
LOW_PASS_MAJORS = ("520501", "460301", "520101K")  # 医学检验技术, 机电一体化技术, 临床医学
LOW_PASS_RATE = (0.30, 0.50)

# (3) One class whose attendance, canteen use and grades slide together, term after term, up to the
# last graded term: the second-year class of that term, from its first term on (engagement, in SD).
SLIDE_MAJOR = "510201"  # 计算机应用技术
SLIDE_STEP = -0.7

# (4) A full-time teacher with almost no training in the last finished academic year (norm ≥ 40 学时),
# who has missed it again so far this year. Every other full-time teacher attends the college's 40-学时
# training in the first week of September. Training hours accrue over the year (a cumulative indicator):
# the running year is 周期未结束 for him, and the alert names the finished year.
TRAINING_MAJOR = "460301"  # 机电一体化技术
TRAINING_NORM = 40
TRAINING_SHORT_HOURS = 6

# (5) A 双师型 teacher with no enterprise practice in the three years.
PRACTICE_MAJOR = "520502"  # 医学影像技术

# (6) A teacher whose 学生评教 scores are low in every term.
EVAL_MAJOR = "570103K"  # 小学教育
EVAL_LOW_MEAN = 68.0

# (7) A talent-training plan that breaks 教职成〔2019〕13号 (practice < 50 %, total < 2500).
PLAN_MAJOR = "570104K"  # 小学语文教育

# (8) A major with a low 报到率 in the current academic year (its admissions are done by 1 September).
REPORT_MAJOR = "530701"  # 电子商务
REPORT_RATE = 0.70

# (9) A major with low 毕业去向落实率 and 专业对口率 for every graduating cohort.
EMPLOYMENT_MAJOR = "570106K"  # 小学英语教育
EMPLOYMENT_UNPLACED = 0.36
EMPLOYMENT_RELATED = 0.32

# (10) A handful of students in the red academic-warning tier (courses failed after make-up).
RED_MAJORS = (("460702", 3), ("520301", 2))  # 新能源汽车技术, 药学: how many students each
RED_FAILED = (7, 10)  # failed courses after make-up; normal students are capped at NORMAL_FAILED_CAP
NORMAL_FAILED_CAP = 4


@dataclass
class Plants:
    """When the planted problems sit (from the timeline) and the entities chosen for them (filled in as
    the generator runs)."""

    low_pass_term: str = ""
    slide_cohort: int = 0
    slide_terms: list[str] = field(default_factory=list)  # baseline first, then the sliding terms
    slide_offsets: dict[str, float] = field(default_factory=dict)  # simulated term → engagement offset
    training_year: int = 0
    report_year: int = 0
    red_cohort: int = 0
    slide_class: str = ""
    red_students: list[int] = field(default_factory=list)  # student indices
    low_pass_courses: list[str] = field(default_factory=list)
    training_teacher: str = ""
    practice_teacher: str = ""
    eval_teacher: str = ""

    @classmethod
    def for_timeline(cls, tl: Timeline) -> Plants:
        last = tl.last_graded_term
        # the class in its second year in the last graded term: on campus (semesters 1-4) from its
        # first term up to that term; the slide goes on after it (attendance and meals, no grades yet)
        cohort = last.start_year - 1
        first = tl.first_term(cohort)
        offsets = {t.code: SLIDE_STEP * (t.index - first.index) for t in tl.sim_terms if t.index > first.index}
        return cls(
            low_pass_term=last.code,
            slide_cohort=cohort,
            slide_terms=[t.code for t in tl.sim_terms if first.index <= t.index <= last.index],
            slide_offsets=offsets,
            training_year=tl.year - 1,
            report_year=tl.year,
            red_cohort=tl.year - 1,
        )
