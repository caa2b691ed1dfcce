"""A goal chain school → department → major → teacher, with targets on indicators, judged from a real
evaluation of imported data; stale or rejected data gives 数据不足."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus as ImportStatus
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.goals.choices import Attainment as A
from zhengai.goals.choices import Rollup
from zhengai.goals.selectors import goal_attainments
from zhengai.goals.services import goal_align, goal_create, target_set
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.services import evaluate_now
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 2, 9, 0)
PERIOD = "2025-2026"
BASE = {"system": "generation", "direction": "higher", "formula": "人数或学时之和", "period": "academic_year",
        "owner": "zjc", "unit": "人",
        "thresholds": [{"from": "2019-01-01", "standard": ">= 0"}]}  # fmt: skip
MAJOR_REPORTED = {
    **BASE,
    "code": "G-BDRS",
    "name": "专业报到人数",
    "level": "major",
    "entity": "major",
    "value": "n",
    "parts": {"n": {"from": "admissions", "by": "major_code", "value": "sum(reported)"}},
}
SCHOOL_REPORTED = {
    **BASE,
    "code": "G-BDRS-S",
    "name": "全校报到人数",
    "level": "school",
    "entity": "school",
    "value": "n",
    "parts": {"n": {"from": "admissions", "value": "sum(reported)"}},
}
TRAINING_HOURS = {**BASE, "code": "G-PXXS", "name": "教师年度培训学时", "level": "teacher", "entity": "teacher",
                  "system": "resource", "unit": "学时", "value": "h",
                  "parts": {"h": {"from": "teacher_training", "by": "staff_no", "value": "sum(hours)"}}}  # fmt: skip


def _publish(table: str, rows: list[dict]) -> None:
    """A roster the imported rows refer to (not what this test is about: written straight in)."""
    spec = TABLES_BY_NAME[table]
    schema = store.arrow_schema(spec)
    data = {f.name: [dt.date(2025, 9, 1) if f.name == "_snapshot" else 1 if f.name == "_run" else r.get(f.name)
                     for r in rows] for f in schema}  # fmt: skip
    store.publish(table=table, files=[store.write_file(spec, 1, 0, pa.table(data, schema=schema))],
                  row_count=len(rows), run_id=None, based_on=None)  # fmt: skip


def _import(source, table, path, text):
    path.write_bytes(text.encode("gbk"))  # the header names the standard fields: no mapping needed
    return import_run_execute(run=import_run_create(source=source, table=table, paths=[path]))


@pytest.fixture
def chain(cast, settings, tmp_path):
    settings.ZHENGAI_REALTIME_ENABLED = False
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    _publish(
        "majors",
        [
            {"major_code": c, "major_name": c, "dept_code": d, "tier": "3", "duration": 3, "enrolling": True}
            for c, d in (("510203", "xxgc"), ("510202", "xxgc"), ("520201", "hlx"))
        ],
    )
    _publish(
        "teachers",
        [
            {
                "staff_no": s,
                "name": s,
                "gender": "1",
                "category": "1",
                "title_level": "3",
                "degree": "2",
                "education": "2",
                "dual_qualified": False,
            }
            for s in ("T001", "T003")
        ],
    )
    source = SourceSystem.objects.create(code="jwc", name="教务系统", connector="files", expected_every_days=30)
    officer = cast.user("officer")
    with clock.frozen(TODAY):
        admissions = _import(source, "admissions", tmp_path / "招生.csv", "academic_year,major_code,province,plan,"
                             "admitted,reported\n2025,510203,61,100,100,92\n2025,510202,61,80,80,60\n"
                             "2025,520201,61,200,200,189\n")  # fmt: skip
        training = _import(source, "teacher_training", tmp_path / "培训.csv", "record_id,staff_no,training_kind,"
                           "title,start_date,end_date,hours\nP1,T003,2,护理新技术,2025-10-08,2025-10-10,20\n"
                           "P2,T003,3,课程思政,2026-01-05,2026-01-08,30\n")  # fmt: skip
        assert admissions.status == training.status == ImportStatus.COMMITTED, admissions.message + training.message
        for raw in (MAJOR_REPORTED, SCHOOL_REPORTED, TRAINING_HOURS):
            indicator_create(raw=raw, by=officer)
        run = evaluate_now(indicator_codes=["G-BDRS", "G-BDRS-S", "G-PXXS"])
        assert run.status == "succeeded", run.message
    return source, officer, tmp_path


def _build(cast, officer):
    """学校 ← 信息系 (sum of its majors) and 护理系 (all complete) ← majors ← a teacher."""
    from zhengai.indicators.models import Indicator

    ind = {i.code: i for i in Indicator.objects.filter(code__in=["G-BDRS", "G-BDRS-S", "G-PXXS"])}
    school = goal_create(title="招生与师资建设目标", level="school", rollup=Rollup.WEIGHTED_MEAN, by=officer)
    xx = goal_create(
        title="信息系招生",
        level="major",
        entity_kind="department",
        entity_key="xxgc",
        weight=2,
        rollup=Rollup.SUM_TARGETS,
        parents=[school],
        owner_unit=cast.dept_a,
        by=officer,
    )
    hl = goal_create(
        title="护理系专业与师资",
        level="major",
        entity_kind="department",
        entity_key="hlx",
        rollup=Rollup.ALL_COMPLETE,
        parents=[school],
        owner_unit=cast.dept_b,
        by=officer,
    )
    goals = {"school": school, "xx": xx, "hl": hl}
    for key, code, value in (("m1", "510203", 90), ("m2", "510202", 70)):
        goals[key] = goal_create(
            title=f"{code} 报到人数",
            level="major",
            entity_kind="major",
            entity_key=code,
            rollup=Rollup.LEAF_ONLY,
            parents=[xx],
            by=officer,
        )
        target_set(goal=goals[key], indicator=ind["G-BDRS"], period=PERIOD, value=value, by=officer)
    nursing = goal_create(
        title="护理专业建设",
        level="major",
        entity_kind="major",
        entity_key="520201",
        rollup=Rollup.WEIGHTED_MEAN,
        parents=[hl],
        by=officer,
    )
    enrol = goal_create(
        title="护理报到人数",
        level="major",
        entity_kind="major",
        entity_key="520201",
        rollup=Rollup.LEAF_ONLY,
        parents=[nursing],
        by=officer,
    )
    target_set(goal=enrol, indicator=ind["G-BDRS"], period=PERIOD, value=180, by=officer)
    teacher = goal_create(
        title="王芳年度培训学时",
        level="teacher",
        entity_kind="teacher",
        entity_key="T003",
        rollup=Rollup.LEAF_ONLY,
        parents=[nursing],
        by=officer,
    )
    target_set(goal=teacher, indicator=ind["G-PXXS"], period=PERIOD, value=60, by=officer)
    total = goal_create(title="全校报到人数", level="school", rollup=Rollup.LEAF_ONLY, by=officer)
    target_set(goal=total, indicator=ind["G-BDRS-S"], period=PERIOD, value=300, by=officer)
    goal_align(goal=goals["m2"], parents=[xx, total], by=officer)  # one goal supports two higher goals
    goals.update(nursing=nursing, enrol=enrol, teacher=teacher, total=total)
    return goals


def test_attainment_and_every_rollup_rule_match_the_hand_computed_values(chain, cast):
    _source, officer, _tmp = chain
    g = _build(cast, officer)
    with clock.frozen(TODAY):
        got = goal_attainments(period=PERIOD)
    r = {k: got[goal.pk].result for k, goal in g.items()}
    # Leaves: 92 ≥ 90 attained; 60 of 70; 189 ≥ 180; 20 + 30 = 50 学时 of 60.
    assert r["m1"].state == A.ATTAINED and got[g["m1"].pk].targets[0].value == 92
    assert r["m2"].state == A.NOT_ATTAINED and r["m2"].progress == pytest.approx(60 / 70)
    assert r["enrol"].state == A.ATTAINED
    assert r["teacher"].state == A.NOT_ATTAINED and r["teacher"].progress == pytest.approx(50 / 60)
    assert "计算批次 #" in got[g["teacher"].pk].targets[0].provenance
    # sum_targets: (92 + 60) against (90 + 70).
    assert (r["xx"].actual_sum, r["xx"].target_sum) == (152, 160) and r["xx"].state == A.NOT_ATTAINED
    assert r["xx"].progress == pytest.approx(0.95)
    # weighted_mean of the major's two children: (1 + 50/60) / 2.
    assert r["nursing"].state == A.NOT_ATTAINED and r["nursing"].progress == pytest.approx((1 + 50 / 60) / 2)
    # all_complete over one child not attained.
    assert r["hl"].state == A.NOT_ATTAINED and r["hl"].progress == 0
    # The school: weights 2 and 1 → (2 × 0.95 + 1 × 0) / 3.
    assert r["school"].state == A.NOT_ATTAINED and r["school"].progress == pytest.approx(1.9 / 3)
    # leaf_only: 341 ≥ 300 on the school's own indicator; its aligned child (60 of 70) does not count.
    assert r["total"].state == A.ATTAINED and got[g["total"].pk].targets[0].value == 341
    assert {p.pk for p in g["m2"].parents.all()} == {g["xx"].pk, g["total"].pk}
    assert AuditRecord.objects.filter(action="设定目标值").count() == 5


def test_stale_or_rejected_data_gives_no_data_never_attained(chain, cast, tmp_path):
    source, officer, _tmp = chain
    g = _build(cast, officer)
    # A rejected batch of 培训 (an impossible number of hours): its data failed quality, so the teacher's
    # target cannot be judged, nor anything above it.
    with clock.frozen(TODAY):
        bad = _import(source, "teacher_training", tmp_path / "培训2.csv", "record_id,staff_no,training_kind,title,"
                      "start_date,end_date,hours\nP3,T003,2,急救,2026-02-01,2026-02-02,99999\n")  # fmt: skip
        assert bad.status == ImportStatus.REJECTED
        got = goal_attainments(period=PERIOD)
    teacher = got[g["teacher"].pk]
    assert teacher.result.state == A.NO_DATA and teacher.targets[0].value == 50  # the value is shown, not judged
    assert "按规定不判断达成" in teacher.targets[0].note
    assert got[g["nursing"].pk].result.state == A.NO_DATA and got[g["school"].pk].result.state == A.NO_DATA
    assert got[g["m1"].pk].result.state == A.ATTAINED  # admissions are still fresh
    # Forty days after the import, admissions (expected every 30 days) are stale: nothing from them is judged.
    with clock.frozen(bad.finished_at + dt.timedelta(days=40)):
        later = goal_attainments(period=PERIOD)
    assert {later[g[k].pk].result.state for k in ("m1", "m2", "enrol", "total", "xx")} == {A.NO_DATA}
    assert later[g["xx"].pk].result.actual_sum is None


def test_goals_refuse_a_loop_and_a_target_on_an_indicator_of_another_entity(chain, cast):
    from django.core.exceptions import ValidationError

    from zhengai.indicators.models import Indicator

    _source, officer, _tmp = chain
    g = _build(cast, officer)
    with pytest.raises(ValidationError, match="形成循环"):
        goal_align(goal=g["school"], parents=[g["teacher"]], by=officer)
    with pytest.raises(ValidationError, match="监测的是教师"):
        target_set(goal=g["m1"], indicator=Indicator.objects.get(code="G-PXXS"), period=PERIOD, value=1, by=officer)
    with pytest.raises(ValidationError, match="没有代码为“999999”的专业"):
        goal_create(title="不存在的专业", level="major", entity_kind="major", entity_key="999999", by=officer)


def test_an_automatic_goal_completes_only_when_its_value_has_held_for_n_periods(chain, cast, client_for):
    from zhengai.goals.selectors import goal_completion, goal_periods
    from zhengai.indicators.models import Indicator

    _source, officer, _tmp = chain
    indicator = Indicator.objects.get(code="G-BDRS")
    once = goal_create(title="软件技术报到人数（一年达成即完成）", level="major", entity_kind="major",
                       entity_key="510203", rollup=Rollup.LEAF_ONLY, by=officer)  # fmt: skip
    twice = goal_create(title="软件技术报到人数（连续两年达成）", level="major", entity_kind="major",
                        entity_key="510203", rollup=Rollup.LEAF_ONLY, hold_periods=2, by=officer)  # fmt: skip
    for goal in (once, twice):
        target_set(goal=goal, indicator=indicator, period="2024-2025", value=80, by=officer)  # no data that year
        target_set(goal=goal, indicator=indicator, period=PERIOD, value=90, by=officer)  # 92: attained
        target_set(goal=goal, indicator=indicator, period="2026-2027", value=95, by=officer)  # not begun
    with clock.frozen(TODAY):
        for goal, complete in ((once, True), (twice, False)):
            history = [(p, goal_attainments(period=p)[goal.pk]) for p in goal_periods(goal)]
            assert [p for p, _a in history] == ["2026-2027", PERIOD, "2024-2025"]
            done = goal_completion(goal, history)
            # the year not begun is passed over; 2025-2026 attained; 2024-2025 has no data and breaks the run
            assert (done.complete, done.streak, done.needed) == (complete, 1, goal.hold_periods)
        page = client_for("officer").get(f"/goals/{twice.pk}/").content.decode()
    assert "尚未完成" in page and "连续 2 个周期达成才算完成，最近连续达成 1 个" in page


def test_the_named_reviewer_gives_his_verdict_with_evidence_in_the_page(cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhengai.goals.models import GoalReview

    calendar_ensure(first_start_year=2025, last_start_year=2025)
    officer = cast.user("officer")
    goal = goal_create(title="完成课程标准修订", level="course", verification="reviewer", reviewer=officer, by=officer)
    page = client_for("officer").get(f"/goals/{goal.pk}/").content.decode()
    assert 'id="review-form"' in page and "尚未完成" in page
    evidence = SimpleUploadedFile("课程标准抽查记录.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    verdict = {"period": "2025-2026", "attained": "1", "note": "抽查 12 门，均已修订", "evidence": evidence}
    client_for("officer").post(f"/goals/{goal.pk}/review/", verdict)
    review = GoalReview.objects.get(goal=goal)
    assert review.attained and review.by == officer and review.evidence.name.endswith(".pdf")
    page = client_for("officer").get(f"/goals/{goal.pk}/").content.decode()
    assert "已完成" in page and "抽查 12 门，均已修订" in page and "附佐证材料" in page
    # anyone else, even the head of a department, is refused
    assert client_for("head_a").post(f"/goals/{goal.pk}/review/", {"period": "2025-2026", "attained": "0",
                                                                   "note": "x"}).status_code in (403, 404)  # fmt: skip
    assert GoalReview.objects.filter(goal=goal).count() == 1
