"""Campus life: 一卡通 transactions, dorm access and the library.

Card and dorm records are sampled (base.SAMPLE_WEEKS: every on-campus student, the seven days of
teaching weeks 7 and 14 of each term) so that 50,000 students stay within minutes and a few GB;
indicators built on them are rates per sampled day, not totals. Library records cover whole terms.
Students on 岗位实习 (semesters 5 and 6) are off campus and leave no campus records.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from zhengai.demo import catalogue as cat
from zhengai.demo.generator.base import (
    SAMPLE_WEEKS,
    TEACHING_WEEKS,
    Frame,
    Stream,
    TermInfo,
    Timeline,
    frame_concat,
    obj,
    rng_for,
    serial_ids,
    sigmoid,
    to_day,
    where,
)
from zhengai.demo.generator.people import Population
from zhengai.demo.generator.staff import Staff

MERCHANT_KINDS = tuple(cat.MERCHANTS)
_MERCHANT_NAMES = [(kind, name) for kind in MERCHANT_KINDS for name in cat.MERCHANTS[kind]]
MERCHANT_KIND = obj(k for k, _ in _MERCHANT_NAMES)
MERCHANT_NAME = obj(n for _, n in _MERCHANT_NAMES)
_FIRST = {kind: next(i for i, (k, _) in enumerate(_MERCHANT_NAMES) if k == kind) for kind in MERCHANT_KINDS}


def on_campus(pop: Population, term: TermInfo) -> np.ndarray:
    sem = pop.semester[:, term.index]
    return np.flatnonzero(pop.present[:, term.index] & (sem >= 1) & (sem <= 4))


def sample_days(tl: Timeline, term: TermInfo) -> np.ndarray:
    """The sampled days of a term that are over by `today`."""
    days = [term.day(w, d) for w in SAMPLE_WEEKS for d in range(7)]
    return np.array([to_day(d) for d in days if d < tl.today], dtype="datetime64[D]")


def _events(rng, mask: np.ndarray, start_min: float, span_min: float):
    """Rows (student-day index) where `mask` holds, with a minute of the day in a window."""
    rows = np.flatnonzero(mask)
    return rows, start_min + rng.random(len(rows)) * span_min


def card_term(tl: Timeline, seed: int, pop: Population, t: int) -> Frame:
    """One term's 一卡通 consumption records of the sampled days, in time order."""
    term = tl.data_terms[t]
    rng = rng_for(seed, Stream.CARD, t)
    stu = on_campus(pop, term)
    days = sample_days(tl, term)
    n_s, n_d = len(stu), len(days)
    e = np.repeat(pop.engagement[stu, term.index], n_d)
    sd_student = np.repeat(np.arange(n_s), n_d)
    sd_day = np.tile(np.arange(n_d), n_s)
    weekend = np.tile((np.arange(n_d) % 7) >= 5, n_s)
    female = pop.students["_female"][stu][sd_student]
    m = len(e)
    none_day = rng.random(m) < sigmoid(-2.6 - 1.0 * e + 0.6 * weekend)
    eats = ~none_day
    breakfast = eats & (rng.random(m) < sigmoid(0.5 + 1.1 * e) * np.where(weekend, 0.5, 1.0))
    lunch = eats & (rng.random(m) < sigmoid(2.2 + 0.6 * e) * np.where(weekend, 0.75, 1.0))
    dinner = eats & (rng.random(m) < sigmoid(1.7 + 0.5 * e) * np.where(weekend, 0.8, 1.0))
    shop_n = rng.poisson(0.35 + 0.1 * weekend)
    late = rng.random(m) < sigmoid(-2.5 - 0.9 * e)
    shower = rng.random(m) < np.where(female, 0.42, 0.28)
    utility = rng.random(m) < 0.05
    printing = rng.random(m) < 0.05 * np.clip(1 + 0.3 * e, 0.2, 2)
    other = rng.random(m) < 0.02

    pieces = []  # (student-day rows, minute, merchant index, cents)
    canteen = _FIRST["01"] + pop.students["_canteen"][stu][sd_student]
    for mask, start, span, lo, hi in (
        (breakfast, 6 * 60 + 50, 90, 300, 800),
        (lunch, 11 * 60 + 40, 80, 800, 1800),
        (dinner, 17 * 60 + 20, 100, 700, 1600),
    ):
        rows, minute = _events(rng, mask, start, span)
        other_canteen = rng.random(len(rows)) < 0.3
        merchant = np.where(other_canteen, _FIRST["01"] + rng.integers(0, len(cat.CANTEENS), len(rows)), canteen[rows])
        cents = rng.integers(lo // 50, hi // 50 + 1, len(rows)) * 50
        pieces.append((rows, minute, merchant, cents))
    rows = np.repeat(np.arange(m), shop_n)
    pieces.append(
        (
            rows,
            8 * 60 + rng.random(len(rows)) * 14 * 60,
            _FIRST["02"] + rng.integers(0, 2, len(rows)),
            np.round(np.exp(rng.normal(2.2, 0.7, len(rows))) * 100).astype(np.int64).clip(100, 20000),
        )
    )
    rows, minute = _events(rng, late, 22 * 60 + 30, 89)
    pieces.append((rows, minute, _FIRST["02"] + rng.integers(0, 2, len(rows)), rng.integers(3, 30, len(rows)) * 100))
    rows, minute = _events(rng, shower, 18 * 60, 240)
    pieces.append((rows, minute, _FIRST["03"] + rng.integers(0, 2, len(rows)), rng.integers(4, 10, len(rows)) * 50))
    rows, minute = _events(rng, utility, 9 * 60, 12 * 60)
    pieces.append((rows, minute, np.full(len(rows), _FIRST["04"]), rng.integers(2, 6, len(rows)) * 1000))
    rows, minute = _events(rng, printing, 8 * 60, 11 * 60)
    pieces.append((rows, minute, _FIRST["05"] + rng.integers(0, 2, len(rows)), rng.integers(2, 60, len(rows)) * 10))
    rows, minute = _events(rng, other, 8 * 60, 10 * 60)
    pieces.append((rows, minute, _FIRST["09"] + rng.integers(0, 2, len(rows)), rng.integers(5, 80, len(rows)) * 100))

    sd = np.concatenate([p[0] for p in pieces])
    minute = np.concatenate([p[1] for p in pieces])
    merchant = np.concatenate([p[2] for p in pieces]).astype(np.int64)
    cents = np.concatenate([p[3] for p in pieces]).astype(np.int64)
    seconds = (minute * 60).astype(np.int64)
    when = days[sd_day[sd]].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    local = sd_student[sd]
    # running balance per card: top-ups of 300 元 whenever the money runs out
    by_card = np.lexsort((seconds, sd_day[sd], local))
    spent = np.empty(len(cents), dtype=np.int64)
    c_sorted = cents[by_card]
    cum = np.cumsum(c_sorted)
    first = np.r_[True, local[by_card][1:] != local[by_card][:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(cum)), 0))
    spent[by_card] = cum - np.r_[0, cum][group_start]
    opening = rng.integers(50, 300, n_s) * 100
    balance = (opening[local] - spent) % 30000 + 500
    order = np.lexsort((local, when))
    student = stu[local[order]]
    when = when[order]
    return {
        "txn_id": serial_ids("", len(order), 8, days=when),
        "card_no": pop.students["_card_no"][student],
        "student_no": pop.students["student_no"][student],
        "txn_time": when,
        "merchant_kind": MERCHANT_KIND[merchant[order]],
        "merchant_name": MERCHANT_NAME[merchant[order]],
        "amount": cents[order] / 100.0,
        "balance": balance[order] / 100.0,
        "_name": pop.students["name"][student],
        "_student": student,
        "_t": np.full(len(order), t),
    }


def dorm_term(tl: Timeline, seed: int, pop: Population, t: int) -> Frame:
    """One term's dorm gate records of the sampled days, in time order."""
    term = tl.data_terms[t]
    rng = rng_for(seed, Stream.DORM, t)
    stu = on_campus(pop, term)
    days = sample_days(tl, term)
    n_s, n_d = len(stu), len(days)
    e = np.repeat(pop.engagement[stu, term.index], n_d)
    sd_student = np.repeat(np.arange(n_s), n_d)
    sd_day = np.tile(np.arange(n_d), n_s)
    weekend = np.tile((np.arange(n_d) % 7) >= 5, n_s)
    m = len(e)
    pieces = []  # rows, minute, direction
    wd = ~weekend
    morning = wd & (rng.random(m) < sigmoid(2.0 + 1.0 * e))
    pieces.append((*_events(rng, morning, 7 * 60, 70), "2"))
    noon = wd & (rng.random(m) < 0.45)
    rows, minute = _events(rng, noon, 11 * 60 + 50, 50)
    pieces.append((rows, minute, "1"))
    pieces.append((rows, 13 * 60 + 50 + rng.random(len(rows)) * 30, "2"))
    out_weekend = weekend & (rng.random(m) < 0.75)
    pieces.append((*_events(rng, out_weekend, 9 * 60, 180), "2"))
    away = rng.random(m) < sigmoid(-4.5 - 1.0 * e)  # 夜不归宿
    home = ~away & (wd | out_weekend)
    is_late = rng.random(m) < sigmoid(-2.2 - 1.0 * e)
    rows = np.flatnonzero(home)
    minute = np.where(
        is_late[rows], 22 * 60 + 30 + rng.random(len(rows)) * 85, 17 * 60 + 30 + rng.random(len(rows)) * 290
    )
    pieces.append((rows, minute, "1"))
    trip = home & (rng.random(m) < 0.3)
    rows, minute = _events(rng, trip, 19 * 60, 120)
    pieces.append((rows, minute, "2"))
    pieces.append((rows, minute + 10 + rng.random(len(rows)) * 30, "1"))

    sd = np.concatenate([p[0] for p in pieces])
    minute = np.concatenate([p[1] for p in pieces])
    direction = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in pieces])
    seconds = np.minimum(minute * 60, 24 * 3600 - 1).astype(np.int64)
    when = days[sd_day[sd]].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    local = sd_student[sd]
    order = np.lexsort((local, when))
    student = stu[local[order]]
    when = when[order]
    building = pop.students["_building"][student]
    door = rng.integers(1, 3, len(order))
    return {
        "access_id": serial_ids("MJ", len(order), 7, days=when),
        "student_no": pop.students["student_no"][student],
        "building": building,
        "access_time": when,
        "direction": direction[order],
        "_name": pop.students["name"][student],
        "_device": np.strings.add(building.astype(str), np.array(["-1号门", "-2号门"])[door - 1]),
        "_student": student,
        "_t": np.full(len(order), t),
    }


def library(tl: Timeline, seed: int, pop: Population, staff: Staff) -> tuple[Frame, Frame]:
    """(visits, loans) over the data window up to yesterday, students and full-time teachers."""
    visits, loans = [], []
    teachers = staff.teachers
    ft = np.flatnonzero(teachers["category"] == "1")
    end = to_day(tl.yesterday)
    for t, term in enumerate(tl.data_terms):
        rng = rng_for(seed, Stream.LIBRARY, t)
        stu = on_campus(pop, term)
        e = pop.engagement[stu, term.index]
        start = to_day(term.teaching_start)
        # visits: whole term, weekdays mostly, 8:00-21:00
        n_v = np.minimum(rng.poisson(6 * np.exp(0.8 * e)), 60)
        n_tv = rng.poisson(3, len(ft))
        who = np.concatenate([np.repeat(stu, n_v), -1 - np.repeat(ft, n_tv)])
        day = rng.integers(0, TEACHING_WEEKS * 7, len(who))
        day -= np.where(day % 7 == 6, rng.integers(1, 6, len(who)), 0)
        sec = (8 * 3600 + rng.random(len(who)) * 13 * 3600).astype(np.int64)
        when = (start + day.astype("timedelta64[D]")).astype("datetime64[s]") + sec.astype("timedelta64[s]")
        visits.append({"_who": who, "when": when, "_gate": rng.integers(0, 2, len(who)), "_t": np.full(len(who), t)})
        # loans: borrow somewhere in the term, return after 1-9 weeks, some renewed
        n_l = np.minimum(rng.poisson(1.4 * np.exp(0.7 * e)), 15)
        n_tl = rng.poisson(1.0, len(ft))
        who = np.concatenate([np.repeat(stu, n_l), -1 - np.repeat(ft, n_tl)])
        day = rng.integers(0, TEACHING_WEEKS * 7, len(who))
        sec = (8 * 3600 + rng.random(len(who)) * 12 * 3600).astype(np.int64)
        borrow = (start + day.astype("timedelta64[D]")).astype("datetime64[s]") + sec.astype("timedelta64[s]")
        keep_days = np.clip(np.round(rng.exponential(20, len(who))) + 7, 7, 90).astype(np.int64)
        back = borrow + (keep_days * 86400 + rng.integers(-3600, 3600, len(who))).astype("timedelta64[s]")
        renewed = (keep_days > 30) & (rng.random(len(who)) < 0.5)
        renew = borrow + (np.full(len(who), 28 * 86400)).astype("timedelta64[s]")
        loans.append(
            {
                "_who": who,
                "borrow": borrow,
                "back": back,
                "renewed": renewed,
                "renew": renew,
                "_book": rng.integers(0, 300000, len(who)),
                "_clc": rng.random(len(who)),
                "_t": np.full(len(who), t),
            }
        )
    v = frame_concat(visits)
    v = {k: col[tl.before_today(v["when"])] for k, col in v.items()}
    order = np.lexsort((v["_who"], v["when"]))
    v = {k: col[order] for k, col in v.items()}
    visit_frame = _reader_columns(pop, staff, v["_who"])
    visit_frame.update(
        {
            "visit_id": serial_ids("RG", len(order), 9),
            "visit_time": v["when"],
            "_gate": obj(cat.LIBRARY_GATES)[v["_gate"]],
            "_t": v["_t"],
        }
    )
    ln = frame_concat(loans)
    ln = {k: col[tl.before_today(ln["borrow"])] for k, col in ln.items()}
    order = np.lexsort((ln["_who"], ln["borrow"]))
    ln = {k: col[order] for k, col in ln.items()}
    n = len(ln["_who"])
    loan_ids = serial_ids("JY", n, 9)
    clc = _clc(pop, staff, ln["_who"], ln["_clc"])
    barcode = np.strings.add("C", np.strings.zfill(ln["_book"].astype(str), 7))
    action_rows = [
        (np.arange(n), ln["borrow"], "1"),
        (np.flatnonzero(ln["renewed"] & (ln["renew"].astype("datetime64[D]") <= end)), ln["renew"], "3"),
        (np.flatnonzero(ln["back"].astype("datetime64[D]") <= end), ln["back"], "2"),
    ]
    idx = np.concatenate([r[0] for r in action_rows])
    when = np.concatenate([r[1][r[0]] for r in action_rows])
    action = np.concatenate([np.full(len(r[0]), r[2], dtype=object) for r in action_rows])
    order = np.lexsort((action.astype(str), idx, when))
    idx, when, action = idx[order], when[order], action[order]
    loan_frame = _reader_columns(pop, staff, ln["_who"][idx])
    loan_frame.update(
        {
            "loan_id": loan_ids[idx],
            "barcode": barcode[idx],
            "clc_class": clc[idx],
            "action": action,
            "action_time": when,
            "_t": ln["_t"][idx],
        }
    )
    return visit_frame, loan_frame


def _reader_columns(pop: Population, staff: Staff, who: np.ndarray) -> Frame:
    """Reader fields for a `who` array: ≥ 0 student index, < 0 is -1 - teacher index."""
    is_student = who >= 0
    s = np.where(is_student, who, 0)
    t = np.where(is_student, 0, -1 - who)
    student_no = np.where(is_student, pop.students["student_no"][s], None)
    staff_no = np.where(is_student, None, staff.teachers["staff_no"][t])
    return {
        "reader_no": np.where(is_student, student_no, staff_no),
        "student_no": student_no,
        "staff_no": staff_no,
        "_reader_type": where(is_student, "学生", "教师"),
        "_name": np.where(is_student, pop.students["name"][s], staff.teachers["name"][t]),
        "_student": np.where(is_student, who, -1),
    }


def _clc(pop: Population, staff: Staff, who: np.ndarray, u: np.ndarray) -> np.ndarray:
    """中图分类: mostly the reader's field, sometimes general reading."""
    majors = np.where(
        who >= 0,
        pop.students["_major"][np.maximum(who, 0)],
        staff.teachers["_major"][np.maximum(-1 - who, 0)],
    )
    out = np.empty(len(who), dtype=object)
    general = obj(cat.GENERAL_CLC)
    for m in np.unique(majors):
        sel = majors == m
        pool = obj(cat.FIELDS[cat.MAJORS[m].field].clc) if m >= 0 else general
        own = u[sel] < 0.7
        k = (u[sel] * 1000).astype(np.int64)
        out[sel] = np.where(own, pool[k % len(pool)], general[k % len(general)])
    return out


def sampled_terms(tl: Timeline) -> list[int]:
    """Data terms (indices) with at least one sampled day before `today`: one export file each."""
    return [t for t, term in enumerate(tl.data_terms) if len(sample_days(tl, term))]


def card_parts(tl: Timeline, seed: int, pop: Population) -> Iterator[tuple[str, Frame]]:
    for t in sampled_terms(tl):
        yield tl.data_terms[t].code, card_term(tl, seed, pop, t)


def dorm_parts(tl: Timeline, seed: int, pop: Population) -> Iterator[tuple[str, Frame]]:
    for t in sampled_terms(tl):
        yield tl.data_terms[t].code, dorm_term(tl, seed, pop, t)
