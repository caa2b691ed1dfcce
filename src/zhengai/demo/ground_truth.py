"""The planted problems, measured from the generated data, as ground_truth.json.

Every figure is computed from standard tables by the functions in measures.py, which the tests run
again on the exports read back through the source mappings. GROUND_TRUTH.md explains each problem.

Each problem names the indicator that watches it and `latest_period`: the period (term or 学年 code
as the indicator's measurements carry it) in which it is planted. That is the latest judged period
of the indicator on `today`, the one an alert opens on (for a cumulative indicator the last finished
period: its running one is 周期未结束 while short); the controls are in range there.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator import College
from zhengai.demo.generator import plants as pl
from zhengai.demo.generator.base import Timeline
from zhengai.demo.generator.school import employment_cohorts
from zhengai.demo.measures import (
    RED_TIER,
    SAMPLED_DAYS,
    Tables,
    measure_class_terms,
    measure_employment,
    measure_evaluations,
    measure_failed_after_makeup,
    measure_pass_rates,
    measure_plans,
    measure_practice_days,
    measure_ratios,
    measure_report_rates,
    measure_training_hours,
)

# ------------------------------------------------------------------------------------------ document


def _major_name(code: str) -> str:
    return next((m.name for m in cat.MAJORS if m.code == code), code)


def build_ground_truth(college: College) -> dict:
    t = college.tables
    plants = college.plants
    tl = college.timeline
    if "canteen" not in college.aggregates:
        for _ in college.parts("card_transactions"):
            pass
    s_no = college.pop.students["student_no"]
    canteen = {}
    counts = college.aggregates["canteen"]
    for i, j in zip(*np.nonzero(counts), strict=True):
        canteen[(str(s_no[i]), tl.data_terms[j].code)] = int(counts[i, j])
    teachers = t["teachers"]
    teacher_name = dict(zip(teachers["staff_no"], teachers["name"], strict=True))
    teacher_major = dict(zip(teachers["staff_no"], teachers["_major"], strict=True))
    problems = [
        _ratio(t, tl),
        _pass_rates(t, college),
        _sliding(t, plants, canteen),
        _training(t, plants, teacher_name, teacher_major),
        _practice(t, tl, plants, teacher_name, teacher_major),
        _evaluation(t, tl, plants, teacher_name, teacher_major),
        _plans(t, tl),
        _report(t, plants),
        _employment(t, tl),
        _red(t, college),
    ]
    return {
        "seed": college.seed,
        "students": college.n_students,
        "today": tl.today.isoformat(),
        "data_years": list(tl.data_years),
        "window": {"from": tl.window_start.isoformat(), "to": tl.yesterday.isoformat()},
        "problems": problems,
    }


def _year_code(year: int) -> str:
    return f"{year}-{year + 1}"


def _ratio(t: Tables, tl: Timeline) -> dict:
    year = tl.year
    ratios = measure_ratios(t, year)
    normal = {m: v for m, v in ratios.items() if m != pl.RATIO_MAJOR and v["ratio"] is not None}
    controls = sorted(normal, key=lambda m: -normal[m]["students"])[:2]
    return {
        "id": "major_student_teacher_ratio",
        "title": "专业生师比超标",
        "level": "major",
        "indicator": "ZY-SSB",
        "latest_period": _year_code(year),
        "period": f"{_year_code(year)}学年（学年初在校生）",
        "rule": "生师比 = 在校生 ÷（任课专任教师 + 0.5 × 任课校外教师），不高于 18（教发〔2004〕2号，综合类）",
        "threshold": 18,
        "entities": [
            {"major_code": pl.RATIO_MAJOR, "major_name": _major_name(pl.RATIO_MAJOR), **ratios.get(pl.RATIO_MAJOR, {})}
        ],
        "controls": [{"major_code": m, "major_name": _major_name(m), **normal[m]} for m in controls],
        "population": {"normal_max_ratio": max((v["ratio"] for v in normal.values()), default=None)},
    }


def _planted_students(college: College) -> set[str]:
    s = college.pop.students
    out = {str(s["student_no"][i]) for i in college.plants.red_students}
    out |= set(s["student_no"][s["class_code"] == college.plants.slide_class].tolist())
    return out


def _pass_rates(t: Tables, college: College) -> dict:
    plants = college.plants
    rates = measure_pass_rates(t)
    clean = measure_pass_rates(t, exclude_students=_planted_students(college))
    term = plants.low_pass_term
    planted = {(c, term) for c in plants.low_pass_courses}
    normal = {k: v for k, v in clean.items() if k not in planted and v["graded"] >= 20}
    names = dict(zip(t["courses"]["course_code"], t["courses"]["course_name"], strict=True))
    controls = []
    for c in plants.low_pass_courses[:1]:
        other = sorted(k for k in rates if k[0] == c and k[1] != term)
        controls += [{"course_code": k[0], "course_name": names[k[0]], "term": k[1], **rates[k]} for k in other[:1]]
    same_term = sorted((k for k in normal if k[1] == term), key=lambda k: -normal[k]["graded"])[:1]
    controls += [{"course_code": k[0], "course_name": names[k[0]], "term": k[1], **rates[k]} for k in same_term]
    return {
        "id": "course_low_pass_rate",
        "title": "课程一次考试通过率过低",
        "level": "course",
        "indicator": "KC-TGL",
        "latest_period": term,
        "period": term,
        "rule": "课程首次考试（考试类别 1）及格人数 ÷ 参考人数，低于 60% 即异常",
        "threshold": 0.6,
        "entities": [
            {"course_code": c, "course_name": names[c], "term": term, **rates[(c, term)]}
            for c in plants.low_pass_courses
            if (c, term) in rates
        ],
        "controls": controls,
        "population": {
            "description": "其余课程×学期（参考人数≥20，不含植入问题的学生）",
            "normal_min_pass_rate": min((v["pass_rate"] for v in normal.values()), default=None),
        },
    }


def _sliding(t: Tables, plants: pl.Plants, canteen: dict) -> dict:
    classes = t["classes"]
    terms = plants.slide_terms
    entity, controls = [], []
    if plants.slide_class:
        row = int(np.flatnonzero(classes["class_code"] == plants.slide_class)[0])
        metrics = measure_class_terms(t, plants.slide_class, canteen)
        entity.append(
            {
                "class_code": plants.slide_class,
                "class_name": classes["class_name"][row],
                "terms": {k: metrics.get(k) for k in terms},
            }
        )
        same = np.flatnonzero(
            (classes["cohort"] == plants.slide_cohort)
            & (classes["class_code"] != plants.slide_class)
            & (classes["major_code"] == classes["major_code"][row])
        )
        if not len(same):
            same = np.flatnonzero(
                (classes["cohort"] == plants.slide_cohort) & (classes["class_code"] != plants.slide_class)
            )
        pick = same[np.argsort(-classes["_size"][same], kind="stable")][:1] if "_size" in classes else same[:1]
        for r in pick:
            code = str(classes["class_code"][r])
            m = measure_class_terms(t, code, canteen)
            controls.append(
                {"class_code": code, "class_name": classes["class_name"][r], "terms": {k: m.get(k) for k in terms}}
            )
    return {
        "id": "class_sliding",
        "title": "班级学习状态连续下滑",
        "level": "student",
        "indicator": "XS-BJXH",
        "latest_period": terms[-1],
        # terms after the baseline that slide: 3 (未达标) when the last graded term is a spring term,
        # 2 (预警) when it is an autumn one (the class has had three terms on campus by then)
        "sliding_terms": len(terms) - 1,
        "period": f"{terms[0]} 为基线，其后 {len(terms) - 1} 个学期",
        "rule": "同一班级的课堂考勤异常（人均）连续上升、食堂刷卡（人均每抽样日）连续下降、首次考试平均成绩连续下降",
        "terms": terms,
        "entities": entity,
        "controls": controls,
        "population": {"sampled_days_per_term": SAMPLED_DAYS},
    }


def _teacher_row(staff: str, names: dict, majors: dict) -> dict:
    m = majors.get(staff, -1)
    return {"staff_no": staff, "name": names.get(staff, ""), "major_code": cat.MAJORS[m].code if m >= 0 else None}


def _full_time(t: Tables) -> list[str]:
    return [str(x) for x in t["teachers"]["staff_no"][t["teachers"]["category"] == "1"]]


def _peers(t: Tables, planted: str, candidates: list[str], majors: dict) -> list[str]:
    """Comparable teachers: the same major first, then the same department, then anyone."""
    dept = dict(zip(t["teachers"]["staff_no"], t["teachers"]["dept_code"], strict=True))
    others = [s for s in candidates if s != planted]
    same_major = [s for s in others if majors.get(s) == majors.get(planted)]
    same_dept = [s for s in others if dept.get(s) == dept.get(planted) and s not in same_major]
    return same_major + same_dept + [s for s in others if s not in same_major and s not in same_dept]


def _training(t: Tables, plants: pl.Plants, names: dict, majors: dict) -> dict:
    year = plants.training_year
    hours = measure_training_hours(t, year)
    peers = _peers(t, plants.training_teacher, _full_time(t), majors)
    normal = [hours.get(s, 0.0) for s in _full_time(t) if s != plants.training_teacher]
    return {
        "id": "teacher_training_short",
        "title": "教师年度培训学时不足",
        "level": "teacher",
        "indicator": "JS-PXXS",
        "latest_period": _year_code(year),
        "period": f"{_year_code(year)}学年",
        "rule": f"校内专任教师每学年培训不少于 {pl.TRAINING_NORM} 学时（按培训开始日期归入学年）",
        "threshold": pl.TRAINING_NORM,
        "entities": [
            {**_teacher_row(plants.training_teacher, names, majors), "hours": hours.get(plants.training_teacher, 0.0)}
        ],
        "controls": [{**_teacher_row(s, names, majors), "hours": hours.get(s, 0.0)} for s in peers[:1]],
        "population": {"normal_min_hours": min(normal, default=None)},
    }


def _practice(t: Tables, tl: Timeline, plants: pl.Plants, names: dict, majors: dict) -> dict:
    # The three years ending with the last finished one: the running year's window is still open.
    year = tl.year - 1
    days = measure_practice_days(t, year)
    tt = t["teachers"]
    dual_prof = [
        str(s)
        for s, c, d in zip(tt["staff_no"], tt["category"], tt["dual_qualified"], strict=True)
        if c == "1" and d and majors.get(str(s), -1) >= 0
    ]
    peers = [s for s in _peers(t, plants.practice_teacher, dual_prof, majors) if days.get(s)]
    return {
        "id": "teacher_no_enterprise_practice",
        "title": "双师型教师三年无企业实践",
        "level": "teacher",
        "indicator": "JS-QYSJ",
        "latest_period": _year_code(year),
        "period": f"{dt.date(year - 2, 9, 1).isoformat()} 至 {dt.date(year + 1, 8, 31).isoformat()}",
        "rule": "双师型专业课专任教师三年内应有企业实践记录",
        "entities": [
            {
                **_teacher_row(plants.practice_teacher, names, majors),
                "dual_qualified": True,
                "days": days.get(plants.practice_teacher, 0),
            }
        ],
        "controls": [
            {**_teacher_row(s, names, majors), "dual_qualified": True, "days": days.get(s, 0)} for s in peers[:1]
        ],
        "population": {
            "dual_professional_teachers": len(dual_prof),
            "others_without_practice": sum(1 for s in dual_prof if s != plants.practice_teacher and not days.get(s)),
        },
    }


def _evaluation(t: Tables, tl: Timeline, plants: pl.Plants, names: dict, majors: dict) -> dict:
    ev = measure_evaluations(t)
    mean = {s: float(np.mean(list(v.values()))) for s, v in ev.items()}
    peers = _peers(t, plants.eval_teacher, sorted(ev, key=lambda s: -len(ev[s])), majors)
    normal_terms = [x for s, v in ev.items() if s != plants.eval_teacher for x in v.values()]
    return {
        "id": "teacher_low_evaluation",
        "title": "教师学生评教持续偏低",
        "level": "teacher",
        "indicator": "JS-PJ",
        "latest_period": max(ev.get(plants.eval_teacher, {}), default=tl.evaluated_terms[-1].code),
        "period": "每个有授课任务、评教已结束的学期",
        "rule": "学生评教学期平均分低于 75 分，且连续出现",
        "threshold": 75,
        "entities": [{**_teacher_row(plants.eval_teacher, names, majors), "terms": ev.get(plants.eval_teacher, {})}],
        "controls": [{**_teacher_row(s, names, majors), "terms": ev[s]} for s in peers[:1]],
        "population": {
            "normal_min_term_mean": round(min(normal_terms), 2) if normal_terms else None,
            "normal_min_teacher_mean": round(min(v for s, v in mean.items() if s != plants.eval_teacher), 2),
        },
    }


def _plans(t: Tables, tl: Timeline) -> dict:
    plans = measure_plans(t)
    normal = {k: v for k, v in plans.items() if k[0] != pl.PLAN_MAJOR}
    control = "570102K"
    return {
        "id": "plan_breaks_rules",
        "title": "人才培养方案不符合教职成〔2019〕13号",
        "level": "major",
        "indicator": "ZY-FA-ZXS",
        "latest_period": _year_code(tl.year),
        "period": f"{tl.cohorts[0]}—{tl.cohorts[-1]} 级人才培养方案",
        "rule": "三年制高职总学时≥2500；公共基础课≥1/4；实践性教学≥50%；选修课≥10%",
        "entities": [
            {"major_code": k[0], "major_name": _major_name(k[0]), "cohort": k[1], **v}
            for k, v in sorted(plans.items())
            if k[0] == pl.PLAN_MAJOR
        ],
        "controls": [
            {"major_code": k[0], "major_name": _major_name(k[0]), "cohort": k[1], **v}
            for k, v in sorted(plans.items())
            if k[0] == control and k[1] == tl.year
        ],
        "population": {
            "normal_plans": len(normal),
            "normal_plans_breaking_rules": sum(1 for v in normal.values() if v["breaks"]),
            "normal_min_total_hours": min(v["total_hours"] for v in normal.values()),
            "normal_min_public_share": min(v["public_share"] for v in normal.values()),
            "normal_min_practice_share": min(v["practice_share"] for v in normal.values()),
            "normal_min_elective_share": min(v["elective_share"] for v in normal.values()),
        },
    }


def _report(t: Tables, plants: pl.Plants) -> dict:
    year = plants.report_year
    rates = measure_report_rates(t, year)
    normal = {m: v for m, v in rates.items() if m != pl.REPORT_MAJOR}
    big = {m: v for m, v in normal.items() if v["admitted"] >= 20}
    controls = sorted(normal, key=lambda m: -normal[m]["admitted"])[:1]
    return {
        "id": "major_low_report_rate",
        "title": "专业新生报到率偏低",
        "level": "major",
        "indicator": "ZY-BDL",
        "latest_period": _year_code(year),
        "period": f"{year}年招生",
        "rule": "报到率 = 报到数 ÷ 录取数，低于 80% 即异常",
        "threshold": 0.8,
        "entities": [
            {
                "major_code": pl.REPORT_MAJOR,
                "major_name": _major_name(pl.REPORT_MAJOR),
                **rates.get(pl.REPORT_MAJOR, {}),
            }
        ],
        "controls": [{"major_code": m, "major_name": _major_name(m), **normal[m]} for m in controls],
        "population": {"normal_min_rate": min((v["rate"] for v in big.values()), default=None)},
    }


def _employment(t: Tables, tl: Timeline) -> dict:
    emp = measure_employment(t)
    years = [c + 3 for c in employment_cohorts(tl)]
    normal = {k: v for k, v in emp.items() if k[0] != pl.EMPLOYMENT_MAJOR and v["graduates"] >= 20}
    return {
        "id": "major_low_employment",
        "title": "专业毕业去向落实率、专业对口率偏低",
        "level": "major",
        "indicator": "ZY-JYL",
        "latest_period": _year_code(years[-1] - 1),  # a graduation year belongs to the 学年 ending in it
        "period": f"{'、'.join(str(y) for y in years)} 届毕业生（当年 8 月 31 日调查）",
        "rule": "毕业去向落实率低于 80% 或专业对口率低于 50% 即异常",
        "thresholds": {"placement_rate": 0.8, "related_rate": 0.5},
        "entities": [
            {"major_code": k[0], "major_name": _major_name(k[0]), "graduation_year": k[1], **v}
            for k, v in sorted(emp.items())
            if k[0] == pl.EMPLOYMENT_MAJOR
        ],
        "controls": [
            {"major_code": k[0], "major_name": _major_name(k[0]), "graduation_year": k[1], **v}
            for k, v in sorted(emp.items())
            if k[0] == "520201"
        ],
        "population": {
            "normal_min_placement_rate": min((v["placement_rate"] for v in normal.values()), default=None),
            "normal_min_related_rate": min(
                (v["related_rate"] for v in normal.values() if v["related_rate"] is not None), default=None
            ),
        },
    }


def _red(t: Tables, college: College) -> dict:
    failed = measure_failed_after_makeup(t)
    s = t["students"]
    red = [str(s["student_no"][i]) for i in college.plants.red_students]
    red_set = set(red)
    row = {str(x): i for i, x in enumerate(s["student_no"])}
    controls = []
    for code in dict.fromkeys(s["class_code"][row[st]] for st in red):
        mates = s["student_no"][(s["class_code"] == code) & (s["status"] == "01")]
        clean = [str(x) for x in mates if str(x) not in red_set and str(x) not in failed]
        if clean:
            controls.append(
                {
                    "student_no": clean[0],
                    "name": s["name"][row[clean[0]]],
                    "class_code": code,
                    "courses": 0,
                    "credits": 0.0,
                }
            )
    normal = [v["courses"] for st, v in failed.items() if st not in red_set]
    return {
        "id": "student_red_warning",
        "title": "学生学业预警红色等级",
        "level": "student",
        "indicator": "XS-GK",
        "latest_period": _year_code(college.timeline.year),
        "period": f"{college.timeline.window_start.isoformat()} 至 {college.timeline.yesterday.isoformat()}（累计）",
        "rule": f"补考（及重修）后仍不及格的课程累计 ≥ {RED_TIER} 门为红色；本演示数据中 2–3 门黄色、4–5 门橙色",
        "threshold": RED_TIER,
        "entities": [
            {
                "student_no": st,
                "name": s["name"][row[st]],
                "class_code": s["class_code"][row[st]],
                "courses": failed.get(st, {}).get("courses", 0),
                "credits": failed.get(st, {}).get("credits", 0.0),
            }
            for st in red
        ],
        "controls": controls,
        "population": {"normal_max_courses": max(normal, default=0)},
    }
