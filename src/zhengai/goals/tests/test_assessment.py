"""Unit assessment from a real evaluation: two departments with goals on indicators, tasks and the alerts the
evaluation opened; scores and ranks checked against hand-computed values; who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zhengai.alerts.models import Alert
from zhengai.alerts.services import alert_acknowledge, alerts_after_run
from zhengai.audit.models import AuditRecord
from zhengai.datacenter.choices import RunStatus as ImportStatus
from zhengai.datacenter.models import SourceSystem
from zhengai.goals.choices import GoalStatus as S
from zhengai.goals.choices import Rollup
from zhengai.goals.models import AssessmentResult, Task
from zhengai.goals.selectors import assessment_results
from zhengai.goals.services import (
    assessment_run,
    assessment_scheme_ensure,
    assessment_scheme_set,
    goal_create,
    target_set,
)
from zhengai.goals.tests.test_chain import MAJOR_REPORTED, _import, _publish
from zhengai.indicators.models import Indicator
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.services import evaluate_now
from zhengai.org.models import OrgUnit
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2026, 3, 2, 9, 0)
ASSESSED = dt.datetime(2026, 6, 1, 9, 0)  # every alert's deadline has passed, the June tasks are not yet due
YEAR = 2025
# 专业报到人数 must reach 200: every major fails it, so the evaluation opens one alert per major.
ENROLMENT = {**MAJOR_REPORTED, "thresholds": [{"from": "2019-01-01", "standard": ">= 200"}]}


@pytest.fixture
def college(cast, settings, tmp_path):
    return build_college(cast, settings, tmp_path)


def build_college(cast, settings, tmp_path):
    """信息系 owns three goals (达成, 未达成, 数据不足), 护理系 one (达成); both have tasks and alerts;
    教务处 (a functional department) has nothing to be judged on."""
    settings.ZHENGAI_REALTIME_ENABLED = False
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    majors = (("510203", "xxgc"), ("510202", "xxgc"), ("520201", "hlx"))
    _publish("majors", [{"major_code": c, "major_name": c, "dept_code": d, "tier": "3", "duration": 3,
                         "enrolling": True} for c, d in majors])  # fmt: skip
    source = SourceSystem.objects.create(code="zsc", name="招生系统", connector="files", expected_every_days=365)
    officer = cast.user("officer")
    office = OrgUnit.objects.create(code="jwc", name="教务处", kind="office")
    with clock.frozen(OPENED):
        admissions = _import(source, "admissions", tmp_path / "招生.csv", "academic_year,major_code,province,plan,"
                             "admitted,reported\n2025,510203,61,100,100,92\n2025,510202,61,80,80,60\n"
                             "2025,520201,61,200,200,189\n")  # fmt: skip
        assert admissions.status == ImportStatus.COMMITTED, admissions.message
        indicator_create(raw=ENROLMENT, by=officer)
        run = evaluate_now(indicator_codes=["G-BDRS"])
        assert run.status == "succeeded", run.message
        alerts_after_run(run=run, now=clock.now())
    indicator = Indicator.objects.get(code="G-BDRS")
    period = f"{YEAR}-{YEAR + 1}"
    for code, unit, value in (("510203", cast.dept_a, 90), ("510202", cast.dept_a, 70), ("520201", cast.dept_b, 180)):
        goal = goal_create(title=f"{code} 报到人数", level="major", entity_kind="major", entity_key=code,
                           owner_unit=unit, rollup=Rollup.LEAF_ONLY, by=officer)  # fmt: skip
        target_set(goal=goal, indicator=indicator, period=period, value=value, by=officer)
    # A goal with a target in another 学年 only: 数据不足 for this one, left out of the share.
    later = goal_create(title="软件技术报到人数（下一学年）", level="major", entity_kind="major", entity_key="510203",
                        owner_unit=cast.dept_a, rollup=Rollup.LEAF_ONLY, by=officer)  # fmt: skip
    target_set(goal=later, indicator=indicator, period="2026-2027", value=95, by=officer)

    def task(title, unit, status, due):
        return Task.objects.create(title=title, kind="unit", year=YEAR, owner_unit=unit, status=status, due_date=due)

    # 信息系: on time 1 + late 0.5 + overdue 0, of 3; one not yet due is left out → 0.5.
    task("专业建设规划", cast.dept_a, S.DONE, dt.date(2026, 1, 10))
    task("课程标准修订", cast.dept_a, S.DONE_LATE, dt.date(2026, 1, 10))
    task("实训室建设方案", cast.dept_a, S.IN_PROGRESS, dt.date(2026, 4, 1))
    task("毕业生跟踪调查", cast.dept_a, S.NOT_STARTED, dt.date(2026, 7, 1))
    # 护理系: 1 + 1 + 0.5 + 0 of 4 → 0.625.
    nursing = [(S.DONE, dt.date(2026, 1, 5)), (S.DONE, dt.date(2026, 2, 5)), (S.DONE_LATE, dt.date(2026, 3, 5)),
               (S.DELAYED, dt.date(2026, 5, 5))]  # fmt: skip
    for n, (status, due) in enumerate(nursing):
        task(f"护理系任务 {n + 1}", cast.dept_b, status, due)
    # 信息系 acknowledges one of its two alerts the next day (in time); 护理系 never acknowledges its one.
    mine = Alert.objects.get(entity_key="510203")
    assert mine.owner_unit == cast.dept_a and Alert.objects.get(entity_key="520201").owner_unit == cast.dept_b
    assert Alert.objects.get(entity_key="510202").deadline < clock.parse("2026-06-01 00:00")
    with clock.frozen(OPENED + dt.timedelta(days=1)):
        alert_acknowledge(alert=mine, by=cast.user("head_a"), note="已组织专业分析招生数据")
    return officer, office


def _by_unit(results):
    return {r.unit.code: r for r in results}


def test_scores_and_ranks_match_the_hand_computed_values(college, cast):
    officer, _office = college
    with clock.frozen(ASSESSED):
        results = assessment_run(year=YEAR, by=officer)
    got = _by_unit(results)
    assert set(got) == {"xxgc", "hlx", "jwc"}  # the quality office's units are not departments assessed
    xx = {c["key"]: c for c in got["xxgc"].components}
    # 信息系: goals 1 of 2 judged (the 2026-2027 goal is 数据不足), tasks 1.5/3, alerts 1/2 → 50·½ + 30·½ + 20·½.
    assert (xx["goals"]["numerator"], xx["goals"]["denominator"], xx["goals"]["insufficient"]) == (1, 2, 1)
    assert (xx["tasks"]["numerator"], xx["tasks"]["denominator"], xx["tasks"]["excluded"]) == (1.5, 3, 1)
    assert (xx["alerts"]["numerator"], xx["alerts"]["denominator"]) == (1, 2)
    assert got["xxgc"].score == pytest.approx(50.0)
    # 护理系: goals 1/1, tasks 2.5/4, alerts 0/1 → 50 + 30 × 0.625 + 0.
    assert got["hlx"].score == pytest.approx(50 + 18.75)
    assert "目标链达成度" in xx["goals"]["source"] and xx["goals"]["as_of"].startswith("2026-06-01")
    # 教务处 has nothing judged: no score, no rank — not a zero.
    assert got["jwc"].score is None and got["jwc"].rank is None
    assert (got["hlx"].rank, got["xxgc"].rank) == (1, 2)
    assert [r.unit.code for r in results] == ["hlx", "xxgc", "jwc"]
    record = AuditRecord.objects.get(action="计算部门考核结果")
    assert record.after["scores"] == {"xxgc": 50.0, "hlx": 68.75, "jwc": None}
    assert AuditRecord.objects.filter(action="设定考核方案").count() == 1  # the default scheme, on first use
    assert "未核实" in results[0].scheme.description


def test_a_new_scheme_is_a_new_version_renormalises_and_replaces_the_results(college, cast):
    officer, _office = college
    with clock.frozen(ASSESSED):
        first = assessment_scheme_ensure(year=YEAR, by=officer)
        assessment_run(year=YEAR, by=officer)
        assessment_run(year=YEAR, by=officer)  # run again: replaced, not doubled
        assert AssessmentResult.objects.filter(scheme=first).count() == 3
        with pytest.raises(ValidationError, match="合计须为 100，现为 110"):
            assessment_scheme_set(year=YEAR, weights={"goals": 60, "tasks": 30, "alerts": 20}, late_factor=0.5,
                                  by=officer)  # fmt: skip
        second = assessment_scheme_set(year=YEAR, weights={"goals": 40, "tasks": 0, "alerts": 60}, late_factor=1,
                                       name="2025 学年部门考核办法", by=officer)  # fmt: skip
        results = _by_unit(assessment_run(year=YEAR, by=officer))
    first.refresh_from_db()
    assert (second.version, second.active, first.active) == (2, True, False)
    change = AuditRecord.objects.filter(action="设定考核方案").latest("pk")
    assert change.before["weights"]["goals"] == 50 and change.after["weights"]["alerts"] == 60
    # 40·½ + 60·½ = 50 for 信息系; 40·1 + 60·0 = 40 for 护理系: the order turns.
    assert results["xxgc"].score == pytest.approx(50) and results["hlx"].score == pytest.approx(40)
    assert (results["xxgc"].rank, results["hlx"].rank) == (1, 2)
    # Without alerts a part has no data: its weight goes to the others (goals 40 → 100).
    Alert.objects.all().delete()
    with clock.frozen(ASSESSED):
        results = _by_unit(assessment_run(year=YEAR, by=officer))
    goals = next(c for c in results["hlx"].components if c["key"] == "goals")
    assert results["hlx"].score == pytest.approx(100) and goals["effective_weight"] == 100
    assert "重新折算权重" in goals["note"]
    assert [r.unit.code for r in assessment_results(YEAR)] == ["hlx", "xxgc", "jwc"]


def test_the_ranking_page_opens_worst_first_for_the_college_and_heads_and_is_refused_to_teachers(
    college, cast, client_for, settings
):
    with clock.frozen(ASSESSED):
        empty = client_for("officer").get(f"/goals/assessment/?year={YEAR}").content.decode()
        assert "还没有考核结果" in empty
        ran = client_for("officer").post("/goals/assessment/run/", {"year": str(YEAR)})
        assert ran.status_code == 302 and AssessmentResult.objects.count() == 3
        page = client_for("officer").get(f"/goals/assessment/?year={YEAR}").content.decode()
    worst, best, unscored = page.index('data-unit="xxgc"'), page.index('data-unit="hlx"'), page.index('data-unit="jwc"')
    assert worst < best < unscored  # worst first, 无数据 after the ranked ones
    assert (
        "数据不足 1" in page
        and "1.5/3" in page
        and "68.75" in page
        and "62.5%" in page
        and "重新计算" in page
        and "未核实" in page
    )
    best_first = client_for("officer").get(f"/goals/assessment/?year={YEAR}&order=best").content.decode()
    assert best_first.index('data-unit="hlx"') < best_first.index('data-unit="xxgc"')
    head = client_for("head_a").get(f"/goals/assessment/?year={YEAR}").content.decode()
    assert 'data-unit="hlx"' in head and "重新计算" not in head
    assert client_for("head_a").post("/goals/assessment/run/", {"year": str(YEAR)}).status_code == 403
    settings.ZHENGAI_ASSESSMENT_VISIBLE_TO_UNITS = False
    own = client_for("head_a").get(f"/goals/assessment/?year={YEAR}").content.decode()
    assert 'data-unit="xxgc"' in own and 'data-unit="hlx"' not in own
    for key in ("teacher", "student", "outsider"):
        assert client_for(key).get(f"/goals/assessment/?year={YEAR}").status_code == 403, key


def test_the_office_edits_the_scheme_in_the_app_and_a_wrong_sum_is_named(college, client_for):
    from zhengai.goals.models import AssessmentScheme

    client = client_for("officer")
    opened = client.get(f"/goals/assessment/scheme/?year={YEAR}").content.decode()
    assert "尚未设定方案，下面是默认值" in opened and 'value="50"' in opened
    assert not AssessmentScheme.objects.exists()  # opening the form writes nothing
    form = {"year": str(YEAR), "name": "部门量化考核办法", "goals": "50", "tasks": "30", "alerts": "30",
            "late_factor": "0.5"}  # fmt: skip
    refused = client.post("/goals/assessment/scheme/", form).content.decode()
    assert "各部分权重合计须为 100，现为 110" in refused
    saved = client.post("/goals/assessment/scheme/", {**form, "alerts": "20", "goals": "50", "late_factor": "0.6"})
    assert saved.status_code == 302
    saved = assessment_scheme_ensure(year=YEAR)
    assert (saved.late_factor, saved.version, saved.description) == (0.6, 1, "")
    assert client_for("head_a").get(f"/goals/assessment/scheme/?year={YEAR}").status_code == 403


def test_a_head_opens_his_units_goals_only_and_reports_from_his_own_page(college, cast, client_for):
    officer, _office = college
    with clock.frozen(ASSESSED):
        assessment_run(year=YEAR, by=officer)
        head = client_for("head_a")
        unit = head.get(f"/goals/units/xxgc/?year={YEAR}").content.decode()
        assert head.get(f"/goals/units/hlx/?year={YEAR}").status_code == 403
        assert client_for("teacher").get("/goals/units/xxgc/").status_code == 403
        assert client_for("officer").get(f"/goals/units/hlx/?year={YEAR}").status_code == 200
        mine = client_for("head_a").get(f"/goals/mine/?year={YEAR}").content.decode()
    assert "510203 报到人数" in unit and 'id="unit-score">50<' in unit and "第 <strong>2</strong> 名" in unit
    assert unit.count('class="zg-goal"') == 3 and "实训室建设方案" in unit
    # His unit's tasks, the overdue one first (61 days after 2026-04-01), each with the progress form.
    assert mine.index("实训室建设方案") < mine.index("专业建设规划") and "逾期 61 天" in mine
    assert mine.count('class="zg-task-form') == 4 and "护理系任务" not in mine
