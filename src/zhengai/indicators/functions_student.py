"""Student-level indicator functions: campus-card, dorm and screening signals, and class sequences.

Card and dorm exports are often samples (the demo college exports teaching weeks 7 and 14 of each
term, every on-campus student, all seven days). A signal per student is therefore measured over the
student's *sampled days in school*, never over the calendar:

* a sampled day of a term is a day on which at least ``SAMPLED_DAY_SHARE`` of the term's record
  holders have a record in that export (a full daily export makes every ordinary day a sampled
  day; holidays with a handful of records are not);
* a student is in school in a term when the student has any card or dorm record in it (students
  on 岗位实习 leave no campus records and get no value: 无数据 is not a failure);
* the student's sampled days in school are the term's sampled days, up to the 学籍变动日期 of a
  student who has left (status other than 在读).

Class signals take class membership from 学生.班级代码. Every function returns (period, entity,
value) for the context's periods; a term is counted in the period its start date falls in.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.indicators.declarations import Placement
from zhengai.indicators.functions import indicator_function

SAMPLED_DAY_SHARE = 0.2
CANTEEN = "01"  # 消费场所类别：食堂
SUPERMARKET = "02"  # 超市
NIGHT_FROM, NIGHT_TO = 23 * 60, 5 * 60  # 夜间门禁：23:00 至次日 05:00（分钟）
LATE_FROM = 22 * 60 + 30  # 晚归：22:30 以后进入宿舍（至次日 05:00）
DORM_GATE = "1"  # 门禁类别：宿舍（空 = 宿舍：只收宿舍门禁的导出不填此列）
FIRST_ATTEMPT = "1"  # 考试类别：正常考试


# ------------------------------------------------------------------------------------------ helpers


def _terms(ctx) -> ir.Table:
    """Every term of the calendar with its order: term, t_start, t_end, t_ord."""
    terms = sorted(ctx.terms, key=lambda t: t.start)
    data = pa.table(
        {
            "term": [t.code for t in terms],
            "t_start": [t.start for t in terms],
            "t_end": [t.end for t in terms],
            "t_ord": list(range(len(terms))),
        },
        schema=pa.schema(
            [("term", pa.string()), ("t_start", pa.date32()), ("t_end", pa.date32()), ("t_ord", pa.int64())]
        ),
    )
    return ctx.engine.memtable(data)


def _term_periods(ctx) -> ir.Table:
    """(period, term): the terms whose start date falls in each period of the context."""
    f = ctx.frame("term", "period")
    return f.select(period=f.period, term=f.w_term)


def _events(ctx, table: str, time_col: str, *columns: str) -> ir.Table:
    """A student event table with its day and term: student_no, columns…, ts, day, term, t_ord."""
    t = ctx.table(table)
    t = t.filter(t.student_no.notnull())
    t = t.select("student_no", *columns, ts=t[time_col], day=t[time_col].date())
    terms = _terms(ctx)
    j = t.join(terms, [t.day >= terms.t_start, t.day <= terms.t_end])
    return j.select("student_no", *columns, "ts", "day", "term", "t_ord")


def _sampled_days(ev: ir.Table) -> ir.Table:
    """(term, day): the days of each term the export covers."""
    per_day = ev.group_by(["term", "day"]).aggregate(n=ev.student_no.nunique())
    per_term = ev.group_by("term").aggregate(m=ev.student_no.nunique())
    j = per_day.join(per_term, per_day.term == per_term.term)
    j = j.filter(j.n >= j.m * SAMPLED_DAY_SHARE)
    return j.select(term=per_day.term, day=per_day.day)


def _school_days(ctx, presence: ir.Table, days: ir.Table) -> ir.Table:
    """(term, t_ord, student_no, day): each present student's sampled days in school."""
    p = presence.join(days, presence.term == days.term).select(
        term=presence.term, t_ord=presence.t_ord, student_no=presence.student_no, day=days.day
    )
    s = ctx.table("students")
    s = s.select(s_no=s.student_no, s_status=s.status, s_date=s.status_date)
    j = p.left_join(s, p.student_no == s.s_no)
    gone = (j.s_status != "01") & j.s_date.notnull() & (j.day >= j.s_date)
    j = j.filter(~gone.fill_null(False))
    return j.select("term", "t_ord", "student_no", "day")


def _presence(*events: ir.Table) -> ir.Table:
    """(term, t_ord, student_no) with any record in any of the event tables."""
    parts = [e.select("term", "t_ord", "student_no") for e in events]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=False)
    return out.distinct()


def _per_day(school_days: ir.Table, daily: ir.Table, columns: list[str]) -> ir.Table:
    """School days with per-day figures (0 where the student has none that day)."""
    d = daily.select(d_term=daily.term, d_no=daily.student_no, d_day=daily.day, **{c: daily[c] for c in columns})
    j = school_days.left_join(
        d, [school_days.term == d.d_term, school_days.student_no == d.d_no, school_days.day == d.d_day]
    )
    return j.select("term", "t_ord", "student_no", "day", **{c: j[c].fill_null(0) for c in columns})


def _in_periods(ctx, t: ir.Table, key: str, **sums) -> ir.Table:
    """Sum per-term rows of `t` into the context's periods: period, `key`, sums…"""
    tp = _term_periods(ctx)
    j = t.join(tp, t.term == tp.term)
    return j.group_by([j.period, j[key]]).aggregate(**{name: expr(j) for name, expr in sums.items()})


def _out(t: ir.Table, entity: str, value) -> ir.Table:
    return t.select(period=t.period, entity=t[entity].cast("string"), value=value.cast("float64"))


# ------------------------------------------------------------------------------------------ card


def _canteen_student_terms(ctx) -> ir.Table:
    """Per student and term: sampled days in school, canteen transactions, days without one."""
    card = _events(ctx, "card_transactions", "txn_time", "merchant_kind", "amount")
    dorm = _events(ctx, "dorm_access", "access_time")
    days = _school_days(ctx, _presence(card, dorm), _sampled_days(card))
    meals = card.filter(card.merchant_kind == CANTEEN)
    meals = meals.group_by(["term", "student_no", "day"]).aggregate(meals=meals.count())
    d = _per_day(days, meals, ["meals"])
    return d.group_by(["term", "t_ord", "student_no"]).aggregate(
        days=d.count(), meals=d.meals.sum(), no_meal_days=(d.meals == 0).cast("int64").sum()
    )


@indicator_function("student_canteen_meals_per_day")
def student_canteen_meals_per_day(ctx, indicator):
    """食堂就餐次数（每抽样日）：抽样日内食堂消费笔数 ÷ 在校抽样日数。"""
    st = _canteen_student_terms(ctx)
    out = _in_periods(ctx, st, "student_no", meals=lambda j: j.meals.sum(), days=lambda j: j.days.sum())
    return _out(out, "student_no", out.meals.cast("float64") / out.days.nullif(0))


@indicator_function("student_canteen_missing_days")
def student_canteen_missing_days(ctx, indicator):
    """抽样日无食堂消费天数：在校的抽样日中没有一笔食堂消费的天数（未抽样的日子不计）。"""
    st = _canteen_student_terms(ctx)
    out = _in_periods(ctx, st, "student_no", value=lambda j: j.no_meal_days.sum())
    return _out(out, "student_no", out.value)


@indicator_function("student_supermarket_per_day")
def student_supermarket_per_day(ctx, indicator):
    """超市日均消费金额：抽样日内超市消费金额 ÷ 在校抽样日数。"""
    card = _events(ctx, "card_transactions", "txn_time", "merchant_kind", "amount")
    dorm = _events(ctx, "dorm_access", "access_time")
    days = _school_days(ctx, _presence(card, dorm), _sampled_days(card))
    shop = card.filter(card.merchant_kind == SUPERMARKET)
    shop = shop.group_by(["term", "student_no", "day"]).aggregate(spent=shop.amount.sum())
    d = _per_day(days, shop, ["spent"])
    out = _in_periods(ctx, d, "student_no", spent=lambda j: j.spent.sum(), days=lambda j: j.count())
    return _out(out, "student_no", out.spent / out.days.nullif(0))


# ------------------------------------------------------------------------------------------ dorm


def _dorm_weekly(ctx, flag) -> ir.Table:
    """Per period and student: dorm records matching `flag`, per 7 sampled days in school.

    Every record shows the student on campus that day; only a dorm gate's allowed passage counts as a
    hit (a teaching building or library gate at 23:00, or a refused swipe, is not a return to the dorm).
    """
    dorm = _events(ctx, "dorm_access", "access_time", "direction", "gate_kind", "allowed")
    minute = dorm.ts.hour() * 60 + dorm.ts.minute()
    passage = (dorm.gate_kind.isnull() | (dorm.gate_kind == DORM_GATE)) & dorm.allowed.fill_null(True)
    dorm = dorm.mutate(hit=(flag(dorm, minute) & passage).cast("int64"))
    days = _school_days(ctx, _presence(dorm), _sampled_days(dorm))
    daily = dorm.group_by(["term", "student_no", "day"]).aggregate(hits=dorm.hit.sum())
    d = _per_day(days, daily, ["hits"])
    out = _in_periods(ctx, d, "student_no", hits=lambda j: j.hits.sum(), days=lambda j: j.count())
    return _out(out, "student_no", out.hits.cast("float64") * 7 / out.days.nullif(0))


@indicator_function("student_dorm_night_access_weekly")
def student_dorm_night_access_weekly(ctx, indicator):
    """夜间（23:00—次日 05:00）宿舍门禁进出次数，折合每周（每 7 个在校抽样日）。"""
    return _dorm_weekly(ctx, lambda t, minute: (minute >= NIGHT_FROM) | (minute < NIGHT_TO))


@indicator_function("student_dorm_late_return_weekly")
def student_dorm_late_return_weekly(ctx, indicator):
    """晚归次数（22:30—次日 05:00 进入宿舍），折合每周（每 7 个在校抽样日）。"""
    return _dorm_weekly(ctx, lambda t, minute: (t.direction == "1") & ((minute >= LATE_FROM) | (minute < NIGHT_TO)))


# ------------------------------------------------------------------------------------------ screening


@indicator_function("student_psych_latest_level")
def student_psych_latest_level(ctx, indicator):
    """心理筛查关注等级：周期内最近一次筛查的关注等级（0 未见异常 … 3 危机干预）。"""
    t = ctx.table("psych_screenings")
    t = t.filter(t.student_no.notnull())
    t = ctx.place(t, "psych_screenings", Placement())
    w = ibis.window(group_by=[t.period, t.student_no], order_by=[ibis.desc(t.screened_on), ibis.desc(t.level)])
    t = t.mutate(rn=ibis.row_number().over(w))
    t = t.filter(t.rn == 0)
    return _out(t, "student_no", t.level.cast("int64"))


# ------------------------------------------------------------------------------------------ class


def _members(ctx) -> ir.Table:
    s = ctx.table("students")
    s = s.filter(s.class_code.notnull())
    return s.select(m_no=s.student_no, class_code=s.class_code)


def _class_canteen_terms(ctx) -> ir.Table:
    """Per class and term: canteen transactions and sampled days in school of its students."""
    st = _canteen_student_terms(ctx)
    m = _members(ctx)
    j = st.join(m, st.student_no == m.m_no)
    return j.group_by(["class_code", "term", "t_ord"]).aggregate(meals=j.meals.sum(), days=j.days.sum())


def _class_terms(ctx) -> ir.Table:
    """Per class and term: the three learning-state signals (class_code, term, t_ord, anomalies, canteen, score).

    anomalies — 考勤异常条数 ÷ 参加首次考试的学生数；canteen — 食堂消费笔数 ÷ 在校抽样日数；
    score — 首次考试平均成绩。
    """
    terms = _terms(ctx)
    m = _members(ctx)
    g = ctx.table("grades")
    g = g.filter(g.exam_kind == FIRST_ATTEMPT)
    g = g.join(m, g.student_no == m.m_no)
    graded = g.group_by([g.class_code, g.term]).aggregate(students=g.student_no.nunique(), score=g.score.mean())
    a = ctx.table("attendance")
    a = a.join(m, a.student_no == m.m_no)
    anomalies = a.group_by([a.class_code, a.term]).aggregate(anomalies=a.count())
    canteen = _class_canteen_terms(ctx)

    base = graded.join(terms, graded.term == terms.term).select(
        "class_code", term=graded.term, t_ord=terms.t_ord, students=graded.students, score=graded.score
    )
    an = anomalies.select(a_class=anomalies.class_code, a_term=anomalies.term, anomalies=anomalies.anomalies)
    base = base.left_join(an, [base.class_code == an.a_class, base.term == an.a_term]).drop("a_class", "a_term")
    ca = canteen.select(c_class=canteen.class_code, c_term=canteen.term, meals=canteen.meals, days=canteen.days)
    base = base.left_join(ca, [base.class_code == ca.c_class, base.term == ca.c_term]).drop("c_class", "c_term")
    return base.select(
        "class_code",
        "term",
        "t_ord",
        anomalies=base.anomalies.fill_null(0).cast("float64") / base.students.nullif(0),
        canteen=base.meals.cast("float64") / base.days.nullif(0),
        score=base.score.cast("float64"),
    )


@indicator_function("class_canteen_meals_per_day")
def class_canteen_meals_per_day(ctx, indicator):
    """班级人均每抽样日食堂消费次数：全班食堂消费笔数 ÷ 全班学生在校抽样日数之和。"""
    ct = _class_canteen_terms(ctx)
    out = _in_periods(ctx, ct, "class_code", meals=lambda j: j.meals.sum(), days=lambda j: j.days.sum())
    return _out(out, "class_code", out.meals.cast("float64") / out.days.nullif(0))


@indicator_function("class_sliding_terms")
def class_sliding_terms(ctx, indicator):
    """班级学习状态连续下滑学期数。

    每个班级每个学期计算三项信号（人均考勤异常、人均每抽样日食堂消费次数、首次考试平均成绩）。
    与紧邻的上一学期相比三项同时变坏（考勤异常更多、食堂消费更少、平均成绩更低）记为“下滑”；
    值为截至该学期连续下滑的学期数。任一信号缺数据（如岗位实习学期没有一卡通记录）不算下滑。
    学年等较长周期取其最后一个学期的值。
    """
    c = _class_terms(ctx)
    w = ibis.window(group_by=c.class_code, order_by=c.t_ord)
    c = c.mutate(
        p_ord=c.t_ord.lag().over(w),
        p_anomalies=c.anomalies.lag().over(w),
        p_canteen=c.canteen.lag().over(w),
        p_score=c.score.lag().over(w),
    )
    slide = (
        (c.p_ord == c.t_ord - 1) & (c.anomalies > c.p_anomalies) & (c.canteen < c.p_canteen) & (c.score < c.p_score)
    ).fill_null(False)
    c = c.mutate(slide=slide)
    cw = ibis.cumulative_window(group_by=c.class_code, order_by=c.t_ord)
    c = c.mutate(run=ibis.ifelse(c.slide, 0, 1).sum().over(cw))
    rw = ibis.window(group_by=[c.class_code, c.run], order_by=c.t_ord)
    c = c.mutate(streak=ibis.row_number().over(rw))
    tp = _term_periods(ctx)
    j = c.join(tp, c.term == tp.term)
    out = j.group_by([j.period, j.class_code]).aggregate(value=j.streak.argmax(j.t_ord))
    return _out(out, "class_code", out.value)
