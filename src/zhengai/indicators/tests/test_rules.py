"""The 2004 basic-conditions card: 合格 / 黄牌 / 红牌, and three yellow cards in a row make a red one."""

from __future__ import annotations

from zhengai.indicators.rules import CardItem, school_card
from zhengai.indicators.thresholds import Line

RATIO = (Line("<=", 18), Line(">", 22))  # 合格 ≤ 18; 限制招生 when above 22 (a college's setting)
DEGREE = (Line(">=", 0.15), Line("<", 0.10))
AREA = (Line(">=", 14), None)  # no 限制招生 line configured


def items(ratio, degree, area):
    return [
        CardItem("XX-SSB", "生师比", ratio, *RATIO),
        CardItem("XX-YJS", "研究生学位教师比例", degree, *DEGREE),
        CardItem("XX-YF", "生均教学行政用房", area, *AREA),
    ]


def test_every_item_at_its_line_is_qualified():
    assert school_card({2024: items(18, 0.15, 14)})[2024].card == "合格"


def test_below_the_qualified_line_but_above_the_limit_is_not_a_card():
    r = school_card({2024: items(20, 0.2, 15)})[2024]
    assert (r.card, r.below_qualified, r.below_limit) == ("未全部合格", ("生师比",), ())


def test_one_item_below_the_limit_is_a_yellow_card_and_two_a_red_card():
    assert school_card({2024: items(23, 0.2, 15)})[2024].card == "黄牌"
    assert school_card({2024: items(23, 0.08, 15)})[2024].card == "红牌"


def test_without_a_limit_line_the_qualified_line_stands_in_and_says_so():
    r = school_card({2024: items(17, 0.2, 12)})[2024]
    assert r.card == "黄牌" and r.below_limit == ("生均教学行政用房",)
    assert "生均教学行政用房 未配置限制招生线，按合格线判定" in r.notes


def test_three_yellow_cards_in_a_row_make_the_third_year_red():
    years = {2022: items(23, 0.2, 15), 2023: items(23, 0.2, 15), 2024: items(23, 0.2, 15), 2025: items(17, 0.2, 15)}
    cards = {y: r.card for y, r in school_card(years).items()}
    assert cards == {2022: "黄牌", 2023: "黄牌", 2024: "红牌", 2025: "合格"}


def test_a_qualified_year_breaks_the_run_of_yellow_cards():
    years = {2022: items(23, 0.2, 15), 2023: items(17, 0.2, 15), 2024: items(23, 0.2, 15)}
    assert [r.card for r in school_card(years).values()] == ["黄牌", "合格", "黄牌"]


def test_no_values_is_no_data():
    assert school_card({2024: items(None, None, None)})[2024].card == "无数据"
