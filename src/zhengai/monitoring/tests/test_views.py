"""The standard-chain pages: catalogue, indicator page, editors, runs and the entity view, each within scope.

The indicators, their thresholds, the recorded history and the current states are built here for
the shared cast (信息工程系 xxgc: 软件技术, 计算机网络技术; 护理系 hlx: 护理), independent of the
shipped catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pyarrow as pa
import pytest
from django.urls import reverse
from django.utils import timezone

from zhengai.audit.models import AuditRecord
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.thresholds import evaluate
from zhengai.monitoring import history
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun, IndicatorState, StatusChange

pytestmark = pytest.mark.django_db

SSB = {
    "code": "ZY-SSB",
    "name": "专业生师比",
    "level": "major",
    "entity": "major",
    "system": "resource",
    "dimension": "师资队伍",
    "control_point": "生师比",
    "unit": "",
    "direction": "lower",
    "period": "academic_year",
    "owner": "jwc",
    "formula": "专业学年初在校生 ÷（任课校内专任教师 + 0.5 × 任课校外教师）",
    "source_doc": "教发〔2004〕2号",
    "description": "生师比过高说明专任教师不足。",
    "value": "students / (full_time + 0.5 * external)",
    "parts": {
        "students": {"from": "students", "where": "status == '01'", "by": "major_code", "value": "count()"},
        "full_time": {
            "from": "course_offerings",
            "join": {"courses": "course_code", "teachers": "staff_no"},
            "where": "teachers.category == '1'",
            "by": "courses.major_code",
            "value": "count_distinct(staff_no)",
            "fill": 0,
        },
        "external": {
            "from": "course_offerings",
            "join": {"courses": "course_code", "teachers": "staff_no"},
            "where": "teachers.category in ('2', '3')",
            "by": "courses.major_code",
            "value": "count_distinct(staff_no)",
            "fill": 0,
        },
    },
    "thresholds": [{"from": "2004-01-01", "standard": "<= 18", "warning": "<= 16", "target": "<= 15"}],
}
TGL = {
    "code": "KC-TGL",
    "name": "课程首次考试通过率",
    "level": "course",
    "entity": "course",
    "system": "generation",
    "dimension": "教学运行",
    "unit": "%",
    "direction": "higher",
    "period": "term",
    "owner": "jwc",
    "formula": "首次考试及格人数 ÷ 参考人数",
    "value": "passed / graded",
    "parts": {
        "graded": {"from": "grades", "where": "exam_kind == '1'", "by": "course_code", "value": "count()"},
        "passed": {
            "from": "grades",
            "where": "exam_kind == '1'",
            "by": "course_code",
            "value": "count_if(passed)",
            "fill": 0,
        },
    },
    "thresholds": [{"standard": ">= 0.6", "warning": ">= 0.7", "target": ">= 0.85"}],
}
GK = {
    "code": "XS-GK",
    "name": "补考后仍不及格课程门数",
    "level": "student",
    "entity": "student",
    "system": "generation",
    "dimension": "学业发展",
    "unit": "门",
    "direction": "lower",
    "period": "academic_year",
    "owner": "jwc",
    "formula": "累计首次不及格且此后补考、重修均未通过的课程门数",
    "value": "failed",
    "parts": {
        "failed": {
            "from": "grades",
            "by": "student_no",
            "value": "count_if(not passed)",
            "fill": 0,
        }
    },
    "thresholds": [
        {
            "standard": "< 6",
            "warning": "< 2",
            "tiers": [
                {"label": "黄色", "color": "yellow", "when": ">= 2"},
                {"label": "红色", "color": "red", "when": ">= 6"},
            ],
        }
    ],
}

Y1, Y2 = ("2023-2024", dt.date(2023, 9, 1)), ("2024-2025", dt.date(2024, 9, 1))
T1, T2 = ("2024-2025-1", dt.date(2024, 9, 1)), ("2024-2025-2", dt.date(2025, 2, 1))
# (indicator, period, entity kind, key, name, department, value)
MEASUREMENTS = [
    ("ZY-SSB", Y1, "major", "510203", "软件技术", "xxgc", 17.0),
    ("ZY-SSB", Y1, "major", "510202", "计算机网络技术", "xxgc", 14.0),
    ("ZY-SSB", Y1, "major", "520201", "护理", "hlx", 15.0),
    ("ZY-SSB", Y2, "major", "510203", "软件技术", "xxgc", 27.5),
    ("ZY-SSB", Y2, "major", "510202", "计算机网络技术", "xxgc", 14.5),
    ("ZY-SSB", Y2, "major", "520201", "护理", "hlx", 17.0),
    ("KC-TGL", T1, "course", "C-PRG", "程序设计基础", "xxgc", 0.853),
    ("KC-TGL", T1, "course", "C-DB", "数据库应用", "xxgc", 0.9),
    ("KC-TGL", T1, "course", "C-NUR", "基础护理", "hlx", 0.75),
    ("KC-TGL", T2, "course", "C-PRG", "程序设计基础", "xxgc", 0.58),
    ("KC-TGL", T2, "course", "C-DB", "数据库应用", "xxgc", 0.92),
    ("KC-TGL", T2, "course", "C-NUR", "基础护理", "hlx", 0.66),
    ("XS-GK", Y2, "student", "2023010101", "赵一", "xxgc", 3.0),
    ("XS-GK", Y2, "student", "2023010102", "钱二", "xxgc", 0.0),
    ("XS-GK", Y2, "student", "2023020101", "周五", "hlx", 7.0),
]


@dataclass
class Standards:
    ssb: Indicator
    tgl: Indicator
    gk: Indicator


def create_indicator(raw: dict, order: int) -> Indicator:
    columns = ("name", "level", "entity", "system", "dimension", "control_point", "period", "owner")
    row = Indicator.objects.create(
        code=raw["code"], shipped=raw, order=order, **{k: str(raw.get(k) or "") for k in columns}
    )
    decl = row.declaration()
    for t in decl.thresholds:
        th = Threshold(indicator=row, group=t.group, effective_from=t.effective_from, origin="shipped", note=t.note)
        th.set_lines(t.thresholds)
        th.save()
    return row


def record(rows, indicators: dict[str, Indicator], run_id: int = 1) -> None:
    """History and current states for these measurements, judged by the thresholds in force."""
    judged = []
    for code, (period, start), kind, key, name, org, value in rows:
        ind = indicators[code]
        th = ind.threshold_rows.filter(effective_from__lte=start).order_by("-effective_from").first()
        j = evaluate(value, th.thresholds())
        judged.append((code, period, start, kind, key, name, org, value, j, th, ind))
    n = len(judged)
    table = pa.table(
        {
            "run_id": [run_id] * n,
            "indicator": [r[0] for r in judged],
            "period": [r[1] for r in judged],
            "period_kind": [r[10].period for r in judged],
            "period_start": [r[2] for r in judged],
            "entity_kind": [r[3] for r in judged],
            "entity": [r[4] for r in judged],
            "entity_name": [r[5] for r in judged],
            "org_unit": [r[6] for r in judged],
            "grp": [""] * n,
            "value": [r[7] for r in judged],
            "outcome": [r[8].outcome.value for r in judged],
            "tier": [r[8].tier for r in judged],
            "deviation": [r[8].deviation for r in judged],
            "threshold_id": [r[9].pk for r in judged],
            "batches": ["students@v1#1;grades@v2#3"] * n,
            "evaluated_at": [dt.datetime(2025, 3, 1)] * n,
        },
        schema=history.SCHEMA,
    )
    history.history_append(run_id=run_id, measurements=table)
    now = timezone.now()
    latest = {}
    for r in judged:
        if (r[0], r[4]) not in latest or latest[(r[0], r[4])][2] < r[2]:
            latest[(r[0], r[4])] = r
    for _code, period, start, kind, key, name, org, value, j, th, ind in latest.values():
        IndicatorState.objects.update_or_create(
            indicator=ind,
            entity_key=key,
            defaults=dict(
                entity_kind=kind, entity_name=name, org_unit=org, period=period, period_start=start, value=value,
                outcome=j.outcome.value, tier=j.tier, deviation=j.deviation, threshold=th,
                batches="students@v1#1", changed_at=now, updated_at=now,
            ),
        )  # fmt: skip


def build_standards(cast) -> Standards:
    found = Standards(create_indicator(SSB, 1), create_indicator(TGL, 2), create_indicator(GK, 3))
    record(MEASUREMENTS, {"ZY-SSB": found.ssb, "KC-TGL": found.tgl, "XS-GK": found.gk})
    return found


@pytest.fixture
def standards(cast) -> Standards:
    return build_standards(cast)


def _counts(response, code: str) -> dict[str, int]:
    """The four count columns of the catalogue row: 达标, 预警, 未达标 and 未判定 (as `no_data`)."""
    row = next(r for r in response.context["found"].rows if r.indicator.code == code)
    shown = dict(row.columns)
    shown["no_data"] = shown.pop("unjudged")
    return shown


def _charts(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="indicator-charts" type="application/json">') + len(
        '<script id="indicator-charts" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


# ------------------------------------------------------------------------------------------ catalogue


def test_the_catalogue_lists_every_indicator_with_its_threshold_and_counts(client_for, standards):
    response = client_for("officer").get(reverse("monitoring:catalogue"))
    html = response.content.decode()
    assert response.status_code == 200
    for code in ("ZY-SSB", "KC-TGL", "XS-GK"):
        assert code in html
    assert "≤ 18" in html and "≥ 60%" in html  # a rate's threshold reads as a percentage
    assert "专业层面" in html and "学生层面" in html
    assert _counts(response, "ZY-SSB") == {"passed": 1, "warn": 1, "failed": 1, "no_data": 0}
    assert _counts(response, "XS-GK") == {"passed": 1, "warn": 1, "failed": 1, "no_data": 0}


def test_the_catalogue_filters_by_level_system_and_dimension(client_for, standards):
    client = client_for("officer")
    codes = lambda r: [row.indicator.code for row in r.context["found"].rows]  # noqa: E731
    assert codes(client.get(reverse("monitoring:catalogue"), {"level": "course"})) == ["KC-TGL"]
    assert codes(client.get(reverse("monitoring:catalogue"), {"system": "resource"})) == ["ZY-SSB"]
    assert codes(client.get(reverse("monitoring:catalogue"), {"dimension": "学业发展"})) == ["XS-GK"]
    partial = client.get(reverse("monitoring:catalogue"), {"q": "通过率"}, HTTP_HX_REQUEST="true")
    assert codes(partial) == ["KC-TGL"] and "<html" not in partial.content.decode()


def test_the_catalogue_marks_local_changes_and_disabled_indicators(client_for, standards):
    standards.tgl.override = {"name": "课程首考通过率"}
    standards.tgl.save()
    standards.gk.enabled = False
    standards.gk.save()
    html = client_for("officer").get(reverse("monitoring:catalogue")).content.decode()
    assert "本校修改" in html and "停用" in html and "内置" in html


def test_the_outsider_sees_an_empty_catalogue(client_for, standards):
    response = client_for("outsider").get(reverse("monitoring:catalogue"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "尚未分配角色或数据范围" in html and "ZY-SSB" not in html


def test_a_department_head_counts_only_his_departments_entities(client_for, standards):
    response = client_for("head_a").get(reverse("monitoring:catalogue"))
    assert _counts(response, "ZY-SSB") == {"passed": 1, "warn": 0, "failed": 1, "no_data": 0}
    assert _counts(response, "KC-TGL") == {"passed": 1, "warn": 0, "failed": 1, "no_data": 0}


def test_a_teacher_counts_his_courses_and_his_class_students_and_a_student_himself(client_for, standards):
    teacher = client_for("teacher").get(reverse("monitoring:catalogue"))
    assert _counts(teacher, "ZY-SSB") == {"passed": 0, "warn": 0, "failed": 0, "no_data": 0}
    assert _counts(teacher, "KC-TGL") == {"passed": 0, "warn": 0, "failed": 1, "no_data": 0}  # 程序设计基础
    assert _counts(teacher, "XS-GK") == {"passed": 1, "warn": 1, "failed": 0, "no_data": 0}  # 软件2301
    student = client_for("student").get(reverse("monitoring:catalogue"))
    assert _counts(student, "XS-GK") == {"passed": 0, "warn": 1, "failed": 0, "no_data": 0}
    assert _counts(student, "KC-TGL") == {"passed": 0, "warn": 0, "failed": 0, "no_data": 0}


# ------------------------------------------------------------------------------------------ indicator page


def test_the_indicator_page_shows_definition_thresholds_charts_and_entities(client_for, standards):
    response = client_for("officer").get(reverse("monitoring:indicator", args=["ZY-SSB"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "专业学年初在校生" in html and "教发〔2004〕2号" in html and "生师比过高" in html
    assert 'id="measure-yaml"' in html and "count_distinct(staff_no)" in html
    assert "data-freshness" in html and "学生" in html  # source tables with their freshness
    assert "2024-2025学年" in html  # the latest period is shown by default
    assert response.context["coverage"] == {"total": 3, "with_data": 3, "share": "100"}
    assert 'id="period-coverage"' in html and "有数据 3 / 3（100%）" in html
    for key in ("510203", "510202", "520201"):
        assert key in html
    assert reverse("monitoring:entity", args=["major", "510203"]) in html
    charts = _charts(response)
    assert sum(sum(b[o] for o in ("passed", "warn", "failed", "no_data")) for b in charts["histogram"]["bins"]) == 3
    assert {line["name"] for line in charts["histogram"]["lines"]} == {"标准值", "预警值", "目标值"}
    assert charts["trend"]["periods"] == ["2023-2024", "2024-2025"]
    assert charts["trend"]["median"] == [15.0, 17.0]
    assert charts["trend"]["failed"] == [0.0, pytest.approx(33.33, abs=0.01)]


def test_the_entity_table_shows_rates_as_percentages_and_filters_by_outcome(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:indicator", args=["KC-TGL"])
    html = client.get(url, {"period": "2024-2025-1"}).content.decode()
    assert "85.3%" in html and "90.0%" in html
    failed = client.get(url, {"period": "2024-2025-2", "outcome": "failed"}).content.decode()
    table = failed[failed.index('id="entities"') :]
    assert "C-PRG" in table and "C-DB" not in table and "C-NUR" not in table


def test_the_entity_table_is_paginated_by_fifty(client_for, standards):
    many = [("XS-GK", Y2, "student", f"2024{n:06d}", f"学生{n}", "hlx", float(n % 3)) for n in range(60)]
    record(many, {"XS-GK": standards.gk}, run_id=2)
    client = client_for("officer")
    url = reverse("monitoring:indicator", args=["XS-GK"])
    response = client.get(url)
    assert response.context["page"].paginator.count == 63
    assert len(response.context["page"].object_list) == 50
    page2 = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert len(page2.context["page"].object_list) == 13 and "<html" not in page2.content.decode()


def test_a_department_head_sees_only_his_departments_rows(client_for, standards):
    response = client_for("head_a").get(reverse("monitoring:indicator", args=["ZY-SSB"]))
    html = response.content.decode()
    assert "510203" in html and "510202" in html and "520201" not in html
    assert _charts(response)["trend"]["median"] == [15.5, 21.0]


def test_the_outsider_gets_no_indicator_page(client_for, standards):
    assert client_for("outsider").get(reverse("monitoring:indicator", args=["ZY-SSB"])).status_code == 404


def test_an_unknown_indicator_is_404(client_for, standards):
    assert client_for("officer").get(reverse("monitoring:indicator", args=["NOPE"])).status_code == 404


def test_the_threshold_history_names_who_set_a_threshold(client_for, standards, cast):
    Threshold.objects.create(
        indicator=standards.ssb, group="", effective_from=dt.date(2025, 9, 1), origin="edited",
        standard_op="<=", standard_value=17, created_by=cast.user("officer"), verified=True,
    )  # fmt: skip
    html = client_for("officer").get(reverse("monitoring:indicator", args=["ZY-SSB"])).content.decode()
    history_table = html[html.index('id="threshold-history"') :]
    assert "陈质控" in history_table and "已核实" in history_table and "未核实" in history_table


# ------------------------------------------------------------------------------------------ threshold editor


@pytest.mark.parametrize("key", ["teacher", "head_a", "reviewer", "student", "outsider"])
def test_only_the_quality_office_edits_thresholds(client_for, standards, key):
    client = client_for(key)
    assert client.get(reverse("monitoring:threshold_new", args=["ZY-SSB"])).status_code == 403
    response = client.post(
        reverse("monitoring:threshold_new", args=["ZY-SSB"]), {"effective_from": "2025-09-01", "standard": "<= 16"}
    )
    assert response.status_code == 403
    assert Threshold.objects.filter(origin="edited").count() == 0


def test_the_threshold_editor_starts_from_the_threshold_in_force(client_for, standards):
    response = client_for("officer").get(reverse("monitoring:threshold_new", args=["ZY-SSB"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["standard"], form.initial["warning"], form.initial["target"]) == ("<= 18", "<= 16", "<= 15")


def test_saving_a_threshold_creates_the_row_and_an_audit_record(client_for, standards):
    response = client_for("officer").post(
        reverse("monitoring:threshold_new", args=["ZY-SSB"]),
        {"effective_from": "2025-09-01", "standard": "<= 17", "warning": "<= 15", "target": "<= 14", "note": "从严"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:indicator", args=["ZY-SSB"])
    row = Threshold.objects.get(indicator=standards.ssb, origin="edited")
    assert (row.standard_op, row.standard_value, row.warning_value, row.target_value) == ("<=", 17, 15, 14)
    assert row.effective_from == dt.date(2025, 9, 1) and row.created_by.username == "officer"
    audit = AuditRecord.objects.get(action="设定阈值", object_id=str(standards.ssb.pk))
    assert audit.after["standard"] == "<= 17" and audit.before["standard"] == "<= 18"
    assert EvaluationRun.objects.filter(indicator_codes=["ZY-SSB"], since=dt.date(2025, 9, 1)).exists()


def test_a_rate_threshold_may_be_typed_as_a_percentage(client_for, standards):
    client_for("officer").post(
        reverse("monitoring:threshold_new", args=["KC-TGL"]),
        {"effective_from": "2025-02-01", "standard": ">= 65%", "warning": ">= 0.75"},
    )
    row = Threshold.objects.get(indicator=standards.tgl, origin="edited")
    assert (row.standard_value, row.warning_value) == (0.65, 0.75)


def test_a_bad_line_shows_a_chinese_error_naming_the_field_and_saves_nothing(client_for, standards):
    response = client_for("officer").post(
        reverse("monitoring:threshold_new", args=["ZY-SSB"]), {"effective_from": "2025-09-01", "standard": ">= abc"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "标准值：阈值“&gt;= abc”格式不对" in html
    assert Threshold.objects.filter(origin="edited").count() == 0
    assert not AuditRecord.objects.filter(action="设定阈值").exists()


def test_a_threshold_needs_a_standard_or_a_warning_and_tiers_are_checked(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:threshold_new", args=["XS-GK"])
    empty = client.post(url, {"effective_from": "2025-09-01", "target": "<= 1"}).content.decode()
    assert "至少要设定标准值或预警值" in empty
    bad_tier = client.post(url, {"effective_from": "2025-09-01", "standard": "< 6", "tiers": "红色 >= 6"})
    assert "分级第 1 行应写成" in bad_tier.content.decode()
    client.post(
        url, {"effective_from": "2025-09-01", "standard": "< 5", "tiers": "黄色 | yellow | >= 2\n红色 | red | >= 5"}
    )
    row = Threshold.objects.get(indicator=standards.gk, origin="edited")
    assert [t["label"] for t in row.tiers] == ["黄色", "红色"] and row.tiers[1]["value"] == 5
    assert Threshold.objects.filter(origin="edited").count() == 1


def test_the_preview_compares_the_proposal_with_the_thresholds_in_force(client_for, standards):
    url = reverse("monitoring:threshold_preview", args=["ZY-SSB"])
    response = client_for("officer").get(
        url, {"effective_from": "2024-09-01", "standard": "<= 16", "warning": "<= 15"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result.periods == ["2024-2025"]
    xxgc = next(c for c in result.cells if c.org_unit == "xxgc")
    hlx = next(c for c in result.cells if c.org_unit == "hlx")
    assert (
        xxgc.current == {"passed": 1, "warn": 0, "failed": 1, "pending": 0, "unset": 0, "no_data": 0} == xxgc.proposed
    )
    assert hlx.current["warn"] == 1 and hlx.proposed["failed"] == 1
    html = response.content.decode()
    assert 'id="whatif-table"' in html and "信息系" in html and "护理系" in html
    assert Threshold.objects.filter(origin="edited").count() == 0


def test_the_preview_shows_line_errors(client_for, standards):
    response = client_for("officer").get(
        reverse("monitoring:threshold_preview", args=["ZY-SSB"]), {"effective_from": "2024-09-01", "warning": "<="}
    )
    assert "预警值：阈值“&lt;=”格式不对" in response.content.decode()


def test_the_preview_is_for_editors_only(client_for, standards):
    url = reverse("monitoring:threshold_preview", args=["ZY-SSB"])
    assert client_for("head_a").get(url, {"effective_from": "2024-09-01", "standard": "<= 16"}).status_code == 403


# ------------------------------------------------------------------------------------------ definition editor


def test_the_definition_editor_shows_the_declaration_as_yaml(client_for, standards):
    response = client_for("officer").get(reverse("monitoring:definition_edit", args=["ZY-SSB"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "formula: 专业学年初在校生" in html and "count_distinct(staff_no)" in html
    assert "thresholds:" not in html and "恢复内置定义" in html
    assert client_for("teacher").get(reverse("monitoring:definition_edit", args=["ZY-SSB"])).status_code == 403


def _definition(indicator: Indicator, **changes) -> str:
    from zhengai.monitoring.forms import definition_text

    return definition_text({**indicator.raw, **changes})


def test_saving_a_definition_overrides_the_shipped_one_and_is_audited(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:definition_edit", args=["ZY-SSB"])
    response = client.post(url, {"definition": _definition(standards.ssb, name="专业生师比（含兼职）"), "note": "口径"})
    assert response.status_code == 302
    standards.ssb.refresh_from_db()
    assert standards.ssb.override == {"name": "专业生师比（含兼职）"} and standards.ssb.name == "专业生师比（含兼职）"
    assert AuditRecord.objects.filter(action="修改指标定义", object_id=str(standards.ssb.pk)).exists()

    client.post(reverse("monitoring:definition_reset", args=["ZY-SSB"]))
    standards.ssb.refresh_from_db()
    assert standards.ssb.override == {} and standards.ssb.name == "专业生师比"


def test_a_definition_that_does_not_parse_is_shown_with_its_error_and_not_saved(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:definition_edit", args=["ZY-SSB"])
    bad_yaml = client.post(url, {"definition": "name: [未闭合"}).content.decode()
    assert "YAML 格式错误" in bad_yaml
    bad_field = client.post(url, {"definition": _definition(standards.ssb, direction="sideways")})
    assert "方向应为" in bad_field.content.decode() and "定义未保存" in bad_field.content.decode()
    bad_table = client.post(url, {"definition": _definition(standards.ssb, value="students / nobody")})
    assert bad_table.status_code == 200
    standards.ssb.refresh_from_db()
    assert standards.ssb.override == {}
    assert not AuditRecord.objects.filter(action="修改指标定义").exists()


def test_an_indicator_is_disabled_and_enabled_again(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:indicator_enabled", args=["XS-GK"])
    client.post(url, {"enabled": "0"})
    standards.gk.refresh_from_db()
    assert not standards.gk.enabled
    assert AuditRecord.objects.filter(action="停用指标").exists()
    client.post(url, {"enabled": "1"})
    standards.gk.refresh_from_db()
    assert standards.gk.enabled
    assert client_for("teacher").post(url, {"enabled": "0"}).status_code == 403


# ------------------------------------------------------------------------------------------ runs


def test_the_runs_page_is_for_the_college_wide_roles(client_for, standards):
    EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicators_count=3, measurements_count=15)
    assert client_for("officer").get(reverse("monitoring:runs")).status_code == 200
    assert client_for("committee").get(reverse("monitoring:runs")).status_code == 200
    for key in ("head_a", "teacher", "student", "outsider"):
        assert client_for(key).get(reverse("monitoring:runs")).status_code == 403


def test_the_quality_office_starts_a_run_for_one_indicator_and_period(client_for, standards):
    response = client_for("officer").post(reverse("monitoring:runs"), {"indicator": "KC-TGL", "period": "2024-2025-1"})
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:run_detail", args=[run.pk])
    assert run.indicator_codes == ["KC-TGL"] and run.periods == ["2024-2025-1"] and run.status == RunStatus.QUEUED
    assert run.requested_by.username == "officer"


def test_the_committee_reads_runs_but_does_not_start_them(client_for, standards):
    client = client_for("committee")
    assert 'id="run-form"' not in client.get(reverse("monitoring:runs")).content.decode()
    assert client.post(reverse("monitoring:runs"), {"indicator": ""}).status_code == 403
    assert not EvaluationRun.objects.exists()


def test_a_run_page_shows_its_figures_timings_versions_and_changes(client_for, standards):
    run = EvaluationRun.objects.create(
        status=RunStatus.SUCCEEDED, indicators_count=1, measurements_count=3, status_changes=1,
        timings={"ZY-SSB": 0.42, "_compute": 0.5}, versions={"students": {"version": 4, "run": 9}},
        message="计算 1 个指标，3 个监测值，1 个状态变化",
    )  # fmt: skip
    StatusChange.objects.create(
        indicator=standards.ssb, entity_kind="major", entity_key="510203", entity_name="软件技术", org_unit="xxgc",
        period="2024-2025", previous_outcome="passed", outcome="failed", value=27.5, run=run, created_at=timezone.now(),
    )  # fmt: skip
    html = client_for("officer").get(reverse("monitoring:run_detail", args=[run.pk])).content.decode()
    assert "专业生师比" in html and "0.4 秒" in html and "v4" in html
    changes = html[html.index('id="changes"') :]
    assert "软件技术" in changes and "未达标" in changes and "27.5" in changes


# ------------------------------------------------------------------------------------------ entity view


def test_the_entity_view_lists_the_entitys_indicators_worst_first(client_for, standards, cast):
    response = client_for("officer").get(reverse("monitoring:entity", args=["major", "510203"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "软件技术" in html and "专业生师比" in html and "27.5" in html
    assert reverse("org:major_detail", args=[cast.software.pk]) in html
    series = json.loads(html[html.index('"series"') - 1 : html.index("</script>", html.index('"series"'))])
    assert series["series"]["ZY-SSB"]["values"] == [17.0, 27.5]


def test_the_entity_view_is_404_outside_the_scope(client_for, standards):
    assert client_for("head_a").get(reverse("monitoring:entity", args=["major", "520201"])).status_code == 404
    assert client_for("head_a").get(reverse("monitoring:entity", args=["major", "510203"])).status_code == 200
    assert client_for("outsider").get(reverse("monitoring:entity", args=["major", "510203"])).status_code == 404
    assert client_for("student").get(reverse("monitoring:entity", args=["student", "2023010101"])).status_code == 200
    assert client_for("student").get(reverse("monitoring:entity", args=["student", "2023010102"])).status_code == 404
    assert client_for("teacher").get(reverse("monitoring:entity", args=["course", "C-PRG"])).status_code == 200
    assert client_for("teacher").get(reverse("monitoring:entity", args=["course", "C-NUR"])).status_code == 404
    assert client_for("officer").get(reverse("monitoring:entity", args=["planet", "x"])).status_code == 404


def test_an_entity_in_scope_without_measurements_shows_an_empty_page(client_for, standards):
    response = client_for("teacher").get(reverse("monitoring:entity", args=["teacher", "T002"]))
    assert response.status_code == 200 and "还没有该对象的监测结果" in response.content.decode()


def test_org_detail_pages_link_to_the_entity_view(client_for, standards, cast):
    client = client_for("officer")
    pages = [
        ("org:major_detail", cast.software.pk, ["major", "510203"]),
        ("org:course_detail", cast.programming.pk, ["course", "C-PRG"]),
        ("org:class_detail", cast.soft2301.pk, ["class", "RJ2301"]),
        ("org:teacher_detail", cast.li.pk, ["teacher", "T002"]),
        ("org:student_detail", cast.students_a[0].pk, ["student", "2023010101"]),
    ]
    for name, pk, args in pages:
        html = client.get(reverse(name, args=[pk])).content.decode()
        assert reverse("monitoring:entity", args=args) in html and "指标与预警" in html, name


# ------------------------------------------------------------------------------------------ special cases


SCHOOL = {
    "code": "XX-ZXS",
    "name": "全日制在校生数",
    "level": "school",
    "entity": "school",
    "system": "decision",
    "unit": "人",
    "direction": "higher",
    "period": "academic_year",
    "owner": "jwc",
    "formula": "学年初在籍学生数",
    "value": "n",
    "parts": {"n": {"from": "students", "where": "status == '01'", "value": "count()"}},
    "thresholds": [{"from": "2019-06-01", "warning": ">= 3000"}],
}


def test_a_school_level_indicator_shows_its_value_and_trend(client_for, standards):
    school = create_indicator(SCHOOL, 4)
    record(
        [
            ("XX-ZXS", Y1, "school", "school", "全校", "jwc", 3100.0),
            ("XX-ZXS", Y2, "school", "school", "全校", "jwc", 2950.0),
        ],
        {"XX-ZXS": school},
        run_id=3,
    )
    response = client_for("officer").get(reverse("monitoring:indicator", args=["XX-ZXS"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "本期监测值" in html and "2,950 人" in html and 'id="chart-histogram"' not in html
    trend = _charts(response)["trend"]
    assert trend["school"] and trend["median"] == [3100.0, 2950.0]
    assert [line["value"] for line in trend["lines"]] == [3000.0]
    assert client_for("officer").get(reverse("monitoring:entity", args=["school", "school"])).status_code == 200
    assert client_for("head_a").get(reverse("monitoring:entity", args=["school", "school"])).status_code == 404


def test_thresholds_by_group_offer_the_code_set_of_the_group_field(client_for, standards):
    grouped = create_indicator({**SSB, "code": "ZY-SSB2", "threshold_group": "tier"}, 5)
    client = client_for("officer")
    url = reverse("monitoring:threshold_new", args=[grouped.code])
    html = client.get(url).content.decode()
    assert "省级重点（1）" in html and "全部（默认）" in html
    client.post(url, {"group": "1", "effective_from": "2025-09-01", "standard": "<= 16"})
    row = Threshold.objects.get(indicator=grouped, origin="edited")
    assert row.group == "1"
    page = client.get(reverse("monitoring:indicator", args=[grouped.code])).content.decode()
    in_force = page[page.index('id="in-force"') : page.index('id="threshold-history"')]
    assert "省级重点（1）" in in_force and "≤ 16" in in_force
    assert client.post(url, {"group": "9", "effective_from": "2025-09-01", "standard": "<= 16"}).status_code == 200
    assert Threshold.objects.filter(indicator=grouped, origin="edited").count() == 1


def test_an_indicator_without_measurements_says_so(client_for, standards):
    create_indicator({**TGL, "code": "KC-NEW", "name": "新课程指标"}, 6)
    html = client_for("officer").get(reverse("monitoring:indicator", args=["KC-NEW"])).content.decode()
    assert "还没有监测值" in html and "计算批次" in html


def test_the_entity_table_sorts_by_value(client_for, standards):
    client = client_for("officer")
    url = reverse("monitoring:indicator", args=["ZY-SSB"])
    keys = lambda r: [row["entity"] for row in r.context["page"].object_list]  # noqa: E731
    assert keys(client.get(url, {"sort": "value"})) == ["510202", "520201", "510203"]
    assert keys(client.get(url, {"sort": "-value"})) == ["510203", "520201", "510202"]
    assert keys(client.get(url)) == ["510203", "520201", "510202"]  # worst outcome first
    html = client.get(url, {"sort": "-value"}).content.decode()
    assert "sort=value" in html  # the header link turns the order round


def test_a_broken_definition_is_reported_on_the_indicator_page(client_for, standards):
    Indicator.objects.filter(pk=standards.ssb.pk).update(override={"direction": "sideways"})
    response = client_for("officer").get(reverse("monitoring:indicator", args=["ZY-SSB"]))
    assert response.status_code == 200
    assert "该指标的定义有误" in response.content.decode()


def test_a_yes_no_indicator_shows_its_words_not_numbers():
    from zhengai.monitoring.templatetags.monitoring_ui import format_deviation, format_value

    assert (format_value(1.0, "已落实|未落实"), format_value(0.0, "已落实|未落实")) == ("已落实", "未落实")
    assert format_value(None, "已落实|未落实") == "—" and format_deviation(-1.0, "已落实|未落实") == "—"
    assert format_value(0.8, "%") == "80.0%"
    from zhengai.indicators.thresholds import Line
    from zhengai.monitoring.templatetags.monitoring_ui import format_line

    assert format_line(Line(">=", 1), "已落实|未落实") == "应为已落实"


def test_coverage_counts_the_entities_with_a_value():
    from zhengai.monitoring.views.catalogue import _coverage

    counts = {"passed": 5, "warn": 1, "failed": 0, "pending": 2, "unset": 0, "no_data": 4}
    assert _coverage(counts) == {"total": 12, "with_data": 8, "share": "66.7"}
    assert _coverage(dict.fromkeys(counts, 0)) == {"total": 0, "with_data": 0, "share": "0"}
