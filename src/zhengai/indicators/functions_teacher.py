"""Teacher-level indicator functions: measures over a teacher's sequence of terms.

A teacher's terms are the terms in which the teacher has 学生评教 records (the terms the teacher
taught and was evaluated in); a term without teaching neither breaks nor extends a run. Every
function returns (period, entity, value) for the context's periods; a term belongs to the period
its start date falls in, and a period holding several terms (a 学年) takes the figure at its last
term with data.
"""

from __future__ import annotations

import ibis

from zhengai.indicators.declarations import Placement
from zhengai.indicators.functions import indicator_function

LOW_EVALUATION = 75.0  # 学生评教学期平均分低于此值为“低评教学期”（与 JS-PJ 的标准值一致）


def _term_means(ctx):
    """(staff_no, term, mean): the mean 评教得分 of each teacher's 教学任务 in each evaluated term."""
    e = ctx.table("teaching_evaluations")
    e = e.filter(e.staff_no.notnull() & e.term.notnull() & e.score.notnull())
    return e.group_by(["staff_no", "term"]).aggregate(mean=e.score.cast("float64").mean())


def _at_last_term(ctx, t, column: str):
    """(period, entity, value): `column` of each teacher's last evaluated term in each period."""
    placed = ctx.place(t.select("staff_no", "term", column), "teaching_evaluations", Placement())
    placed = placed.filter(placed[column].notnull())
    out = placed.group_by(["period", "staff_no"]).aggregate(value=placed[column].argmax(placed.term))
    return out.select(period=out.period, entity=out.staff_no, value=out.value)


@indicator_function("teacher_low_evaluation_run")
def teacher_low_evaluation_run(ctx, indicator):
    """Consecutive low-evaluation terms ending at the term: 0 when the term's mean is not low.

    Per teacher and term: the mean 评教得分 of the teacher's 教学任务; a term is low when the mean
    is below ``LOW_EVALUATION``. The run at a term counts the low terms in a row up to and including
    it, over the teacher's evaluated terms in term order (term codes sort in time order).
    """
    means = _term_means(ctx)
    means = means.mutate(low=ibis.ifelse(means.mean < LOW_EVALUATION, 1, 0))
    # Islands: every term that is not low opens a new group; the run is the low terms so far in it.
    upto = ibis.window(group_by=means.staff_no, order_by=means.term, preceding=None, following=0)
    grouped = means.mutate(grp=(1 - means.low).sum().over(upto))
    in_group = ibis.window(group_by=[grouped.staff_no, grouped.grp], order_by=grouped.term, preceding=None,
                           following=0)  # fmt: skip
    runs = grouped.mutate(run=grouped.low.sum().over(in_group))
    return _at_last_term(ctx, runs, "run")


@indicator_function("teacher_evaluation_change")
def teacher_evaluation_change(ctx, indicator):
    """The term's mean 评教得分 minus the mean of the teacher's previous evaluated term.

    No value for a teacher's first evaluated term (nothing to compare with).
    """
    means = _term_means(ctx)
    before = ibis.window(group_by=means.staff_no, order_by=means.term)
    change = means.mutate(change=means.mean - means.mean.lag().over(before))
    return _at_last_term(ctx, change, "change")
