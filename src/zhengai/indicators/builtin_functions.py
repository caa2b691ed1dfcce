"""Built-in indicator functions (see functions.py): measures that need windows or sequences."""

from __future__ import annotations

import ibis

from zhengai.indicators.declarations import Placement
from zhengai.indicators.functions import indicator_function


@indicator_function("canteen_longest_gap", reads={"card_transactions": ("student_no", "txn_time", "merchant_kind")})
def canteen_longest_gap(ctx, indicator):
    """Longest run of days in a row without a canteen transaction, between a student's canteen days.

    Per student and period: the canteen days (一卡通 商户类型 01 食堂) in date order; the gap between
    two of them is the days in between. Days the card data does not cover are not counted as gaps
    only because they are missing: the demo and many colleges export sample weeks, so a gap across
    two sample weeks is capped at the sample's own length (7 days).
    """
    t = ctx.table("card_transactions")
    t = t.filter(t.merchant_kind == "01").select("student_no", "txn_time", day=t.txn_time.date())
    t = ctx.place(t, "card_transactions", Placement())
    days = t.select("period", "student_no", "day").distinct()
    w = ibis.window(group_by=[days.period, days.student_no], order_by=days.day)
    prev = days.day.lag().over(w)
    gaps = days.mutate(gap=(days.day.delta(prev, unit="day") - 1).clip(lower=0, upper=7))
    out = gaps.group_by(["period", "student_no"]).aggregate(value=gaps.gap.max().fill_null(0))
    return out.select(period=out.period, entity=out.student_no, value=out.value)
