"""School-level rules over several indicators. Pure: values in, values out.

教发〔2004〕2号 (standards.md b.1): the five basic conditions decide 合格, 限制招生 (yellow card) or
暂停招生 (red card):

1. an item is below the line when 生师比 is above it, or another item is below it;
2. one basic item below the 限制招生 line → yellow card; two or more → red card;
3. three yellow cards in a row → the third year is a red card;
4. 合格 when every item meets its 合格 line.

The 限制招生 values for 高职 are not verified (table 2 was not found), so a college configures them as
a tier named 限制招生 on each indicator; where none is configured the 合格 line stands in for it and
the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zhengai.indicators.thresholds import Line

LIMIT_TIER = "限制招生"


@dataclass(frozen=True)
class CardItem:
    code: str
    name: str
    value: float | None
    qualified: Line | None  # the 合格 line (the indicator's 标准值)
    limit: Line | None  # the 限制招生 line, where configured: the band the value must stay out of


@dataclass(frozen=True)
class CardResult:
    year: int
    card: str  # 合格 / 未全部合格 / 黄牌 / 红牌 / 无数据
    below_qualified: tuple[str, ...]
    below_limit: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return {
            "合格": "合格",
            "未全部合格": "未全部达到合格标准",
            "黄牌": "限制招生（黄牌）",
            "红牌": "暂停招生（红牌）",
            "无数据": "无数据",
        }[self.card]

    @property
    def color(self) -> str:
        return {"合格": "green", "未全部合格": "orange", "黄牌": "yellow", "红牌": "red", "无数据": "secondary"}[
            self.card
        ]


def school_card(items_by_year: dict[int, list[CardItem]]) -> dict[int, CardResult]:
    """The card of every year, the consecutive-yellow rule applied in year order."""
    out: dict[int, CardResult] = {}
    yellow_run = 0
    for year in sorted(items_by_year):
        items = items_by_year[year]
        notes: list[str] = []
        judged = [i for i in items if i.value is not None and i.qualified is not None]
        if not judged:
            out[year] = CardResult(year, "无数据", (), ())
            yellow_run = 0
            continue
        below_q = tuple(i.name for i in judged if not i.qualified.holds(i.value))
        below_l = []
        for i in judged:
            if i.limit is not None:
                if i.limit.holds(i.value):
                    below_l.append(i.name)
            elif not i.qualified.holds(i.value):
                below_l.append(i.name)
                notes.append(f"{i.name} 未配置限制招生线，按合格线判定")
        missing = [i.name for i in items if i not in judged]
        if missing:
            notes.append("无数据：" + "、".join(missing))
        if len(below_l) >= 2:
            card = "红牌"
        elif len(below_l) == 1:
            card = "黄牌"
        elif below_q:
            card = "未全部合格"
        else:
            card = "合格"
        if card == "黄牌":
            yellow_run += 1
            if yellow_run >= 3:
                card = "红牌"
                notes.append("连续三年限制招生，第三年暂停招生")
        else:
            yellow_run = 0
        out[year] = CardResult(year, card, below_q, tuple(below_l), tuple(notes))
    return out
