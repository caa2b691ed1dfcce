"""Declarations are checked when read: a mistake names the file, the indicator and the field."""

from __future__ import annotations

import pytest

from zhengai.indicators.declarations import DeclarationError, load_file, shipped_catalogue

GOOD = """
- code: T-TGL
  name: 课程首次考试通过率
  level: course
  entity: course
  system: generation
  unit: "%"
  direction: higher
  period: term
  owner: jwc
  formula: 首次考试及格人数 ÷ 参考人数
  value: passed / graded
  parts:
    graded: {from: grades, where: "exam_kind == '1'", by: course_code, value: count()}
    passed: {from: grades, where: "exam_kind == '1'", by: course_code, value: count_if(passed), fill: 0}
  thresholds:
    - {from: 2023-09-01, standard: ">= 0.6", warning: ">= 0.7"}
"""


def _with(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_a_good_declaration_loads_with_typed_thresholds():
    (ind,) = load_file("course.yaml", GOOD)
    assert (ind.code, ind.level, ind.period, ind.is_percent) == ("T-TGL", "course", "term", True)
    assert ind.source_tables == ("grades",)
    assert ind.thresholds[0].thresholds.standard.value == 0.6
    assert str(ind.thresholds[0].effective_from) == "2023-09-01"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("level: course", "level: college", "字段 level：层面应为"),
        ("from: grades, where", "from: gradez, where", "parts.graded.from：没有标准数据表 gradez"),
        ("by: course_code, value: count()}", "by: course_kode, value: count()}", "不存在的字段 course_kode"),
        ("value: passed / graded", "value: passed / gradd", "value 引用了不存在的部分 gradd"),
        ("value: count_if(passed), fill: 0", "value: passed, fill: 0", "value 应是聚合"),
        ('standard: ">= 0.6"', 'standard: "0.6 or more"', "thresholds[1].standard：阈值“0.6 or more”格式不对"),
        ("from: 2023-09-01", "from: 2023-13-01", "thresholds[1].from"),
        ("value: passed / graded", "value: passed / graded /", "写法有误"),
        ("value: passed / graded", "value: __import__('os')", "不认识的函数 __import__()"),
        ("value: passed / graded", "value: passed.__class__", "不存在的部分 passed.__class__"),
        ("value: passed / graded", "value: '[x for x in graded]'", "不支持 ListComp 写法"),
        ("value: count()}", "value: count(), colour: red}", "parts.graded.colour：不认识这个字段"),
    ],
)
def test_a_bad_declaration_names_file_indicator_and_field(old, new, message):
    with pytest.raises(DeclarationError) as err:
        load_file("course.yaml", _with(old, new))
    assert "course.yaml：指标 T-TGL" in str(err.value)
    assert message in str(err.value)


def test_a_function_call_outside_the_list_is_refused():
    from zhengai.indicators.expr import ExprError, check_syntax

    with pytest.raises(ExprError, match="不认识的函数 open"):
        check_syntax("open('x')", aggregate=True)
    with pytest.raises(ExprError, match="只能用在 value / compute 里"):
        check_syntax("sum(x) > 1", aggregate=False)


def test_a_yaml_error_names_the_file():
    with pytest.raises(DeclarationError, match=r"bad\.yaml：YAML 格式错误"):
        load_file("bad.yaml", "- code: [unclosed")


def test_the_shipped_catalogue_loads_with_80_or_more_indicators_covering_every_level():
    catalogue = shipped_catalogue()
    assert len(catalogue) >= 80
    levels = {i.level for i in catalogue.values()}
    assert levels == {"school", "major", "course", "teacher", "student"}
    for ind in catalogue.values():
        assert ind.formula and ind.owner and ind.thresholds, f"{ind.code} 缺少公式、责任部门或阈值"


@pytest.mark.django_db
def test_a_stored_declaration_keeps_the_order_of_its_parts():
    """The first part gives the entities, so the order must survive the database (jsonb would sort the keys)."""
    from zhengai.indicators.models import Indicator

    raw = {"code": "T-ORDER", "parts": {"students": {"from": "students"}, "external": {"from": "teachers"}}}
    override = {"value": "b", "join": {"z": 1, "a": 2}}
    row = Indicator.objects.create(
        code="T-ORDER",
        name="顺序",
        level="major",
        entity="major",
        system="resource",
        period="academic_year",
        shipped=raw,
        override=override,
    )
    row = Indicator.objects.get(pk=row.pk)
    assert list(row.shipped["parts"]) == ["students", "external"]
    assert list(row.override["join"]) == ["z", "a"]
