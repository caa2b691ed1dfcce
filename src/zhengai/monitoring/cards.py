"""The 2004 basic-conditions card of the school, year by year, from the measurement history.

The rule itself is pure (indicators/rules.py); this reads the five basic indicators' measurements
and the threshold each was judged by: its 标准值 is the 合格 line, a tier named 限制招生 (where the
college configured one) the 限制招生 line.
"""

from __future__ import annotations

from zhengai.indicators.declarations import SCHOOL_KEY
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.rules import LIMIT_TIER, CardItem, CardResult, school_card
from zhengai.monitoring.history import history_read

# 生师比, 具有研究生学位教师占专任教师比例, 生均教学行政用房, 生均教学科研仪器设备值, 生均图书 (教发〔2004〕2号 表一).
BASIC_CONDITIONS = ("XX-SSB", "XX-YJSXW", "XX-JXXZYF", "XX-YQSB", "XX-TS")


def school_cards(codes: tuple[str, ...] = BASIC_CONDITIONS) -> dict[int, CardResult]:
    names = dict(Indicator.objects.filter(code__in=codes).values_list("code", "name"))
    if not names:
        return {}
    rows = history_read(indicators=list(names), entities=[SCHOOL_KEY]).to_pylist()
    thresholds = {
        t.pk: t for t in Threshold.objects.filter(pk__in={r["threshold_id"] for r in rows if r["threshold_id"]})
    }
    by_year: dict[int, dict[str, CardItem]] = {}
    for r in rows:
        th = thresholds.get(r["threshold_id"])
        limit = None
        if th is not None:
            limit = next((t.line for t in th.thresholds().tiers if t.label == LIMIT_TIER), None)
        by_year.setdefault(r["period_start"].year, {})[r["indicator"]] = CardItem(
            r["indicator"], names[r["indicator"]], r["value"], th.standard if th else None, limit
        )
    items = {
        year: [found.get(code) or CardItem(code, names.get(code, code), None, None, None) for code in codes]
        for year, found in by_year.items()
    }
    return school_card(items)
