"""Student cases (学生预警): one case per student per term bundling his signals; who sees what; bulk
actions on a whole filter; worst first.

The measurements come in as the current states monitoring writes after an evaluation (the latest
judged period per indicator and student); `alerts_after_run` turns them into the worklist.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zhengai.alerts.choices import AlertStatus, EventKind, ItemKind
from zhengai.alerts.models import Alert, AlertSettings
from zhengai.alerts.services import (
    alert_comment,
    alert_policy_set,
    alerts_after_run,
    case_follow_up,
)
from zhengai.alerts.worklist import leavers, opened_in_range
from zhengai.audit.models import AuditRecord
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun, IndicatorState
from zhengai.org.choices import StudentStatus

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 11, 12, 9, 0, tzinfo=dt.UTC)  # in 2024-2025-1
TERM = "2024-2025-1"


def _student_indicator(code: str, name: str, standard: str, warning: str, tiers=None) -> dict:
    threshold = {"from": "2020-01-01", "standard": standard, "warning": warning}
    if tiers:
        threshold["tiers"] = tiers
    return {
        "code": code,
        "name": name,
        "level": "student",
        "entity": "student",
        "system": "generation",
        "unit": "",
        "direction": "lower",
        "period": "term",
        "owner": "ddb",
        "formula": name,
        "value": "n",
        "parts": {"n": {"from": "grades", "by": "student_no", "value": "count()", "fill": 0}},
        "thresholds": [threshold],
    }


GK = _student_indicator(
    "T-GK", "不及格课程门数", "< 6", "< 2",
    tiers=[{"label": "黄色", "color": "yellow", "when": ">= 2"}, {"label": "红色", "color": "red", "when": ">= 6"}],
)  # fmt: skip
KQ = _student_indicator("T-KQ", "缺勤次数", "< 10", "< 5")
XL = _student_indicator("T-XL", "心理筛查关注等级", "< 2", "< 1")


@pytest.fixture
def indicators(cast):
    AlertSettings.objects.create(case_min_signals=1)  # every signal opens a case, unless a test says otherwise
    officer = cast.user("officer")
    return {raw["code"]: indicator_create(raw=raw, by=officer) for raw in (GK, KQ, XL)}


def evaluate(indicators: dict, values: dict[tuple[str, str], float], *, now=NOW) -> dict:
    """The states an evaluation of the student indicators leaves: (indicator code, student) → value."""
    run = EvaluationRun.objects.create(status=RunStatus.SUCCEEDED, indicator_codes=sorted(indicators))
    for (code, student), value in values.items():
        ind = indicators[code]
        threshold = ind.threshold_rows.first()
        line = {"T-GK": (2, 6), "T-KQ": (5, 10), "T-XL": (1, 2)}[code]
        outcome = "failed" if value >= line[1] else ("warn" if value >= line[0] else "passed")
        tier = {"T-GK": "红色" if value >= 6 else ("黄色" if value >= 2 else "")}.get(code, "")
        IndicatorState.objects.update_or_create(
            indicator=ind,
            entity_key=student,
            defaults=dict(
                entity_kind="student", entity_name=student, org_unit="xxgc", period=TERM,
                period_start=dt.date(2024, 9, 1), value=value, outcome=outcome, tier=tier, threshold=threshold,
                run=run, changed_at=now, updated_at=now,
            ),
        )  # fmt: skip
    return alerts_after_run(run=run, now=now)


ZHAO, QIAN = "2023010101", "2023010102"


def enrolled(cast, n: int) -> list[str]:
    """n more 在读 students of 软件2301 (学生0 …), their numbers."""
    from zhengai.org.models import Student

    many = [f"2023019{k:03d}" for k in range(n)]
    Student.objects.bulk_create(
        Student(student_no=no, name=f"学生{k}", gender="1", major=cast.software, school_class=cast.soft2301,
                cohort=2023, status=StudentStatus.ENROLLED)
        for k, no in enumerate(many)
    )  # fmt: skip
    return many


def test_a_student_with_several_signals_has_one_case_for_the_term_routed_to_the_class_adviser(indicators, cast):
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-KQ", ZHAO): 7, ("T-GK", QIAN): 0})
    assert not Alert.objects.filter(kind=ItemKind.ALERT).exists()  # student indicators bundle, never alert alone
    case = Alert.objects.get(kind=ItemKind.CASE)
    assert (case.entity_key, case.period, case.status) == (ZHAO, TERM, AlertStatus.OPEN)
    assert case.owner_teacher == cast.li and case.owner_unit == cast.dept_a  # 软件2301's adviser
    assert sorted(case.signals.values_list("indicator__code", flat=True)) == ["T-GK", "T-KQ"]
    assert (case.signal_count, case.open_signals, case.tier) == (2, 2, "黄色")
    # A second evaluation with the same values changes nothing.
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-KQ", ZHAO): 7})
    assert Alert.objects.filter(kind=ItemKind.CASE).count() == 1
    assert case.events.count() == 1


def test_a_case_opens_only_when_the_signals_reach_the_colleges_bar_and_then_takes_them_all(indicators):
    AlertSettings.objects.update(case_min_signals=3)
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-KQ", ZHAO): 7})
    assert not Alert.objects.exists()  # two signals: recorded in the history and the profile only
    # A later run brings only the third indicator (a real-time batch): the case opens with all three.
    run = {"T-XL": indicators["T-XL"]}
    evaluate(run, {("T-XL", ZHAO): 1})
    case = Alert.objects.get(kind=ItemKind.CASE)
    assert sorted(case.signals.values_list("indicator__code", flat=True)) == ["T-GK", "T-KQ", "T-XL"]
    evaluate(indicators, {("T-GK", QIAN): 7})  # one red academic signal is enough on its own
    assert Alert.objects.get(entity_key=QIAN).tier == "红色"


def test_a_case_closes_when_every_signal_has_recovered_and_reopens_on_relapse(indicators):
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-KQ", ZHAO): 7})
    case = Alert.objects.get(kind=ItemKind.CASE)
    evaluate(indicators, {("T-GK", ZHAO): 1})  # 不及格 back in range; 缺勤 still out
    case.refresh_from_db()
    assert (case.status, case.open_signals) == (AlertStatus.OPEN, 1)
    evaluate(indicators, {("T-KQ", ZHAO): 2})
    case.refresh_from_db()
    assert case.status == AlertStatus.CLOSED and case.open_signals == 0 and case.closed_at is not None
    evaluate(indicators, {("T-GK", ZHAO): 7})  # relapse in the same term, now red
    case.refresh_from_db()
    assert (case.status, case.reopened_count, case.tier, case.severity) == ("open", 1, "红色", "failed")
    assert Alert.objects.filter(kind=ItemKind.CASE).count() == 1
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [EventKind.OPENED, EventKind.SIGNAL_RECOVERED, EventKind.SIGNAL_RECOVERED, EventKind.CLOSED,
                     EventKind.REOPENED]  # fmt: skip


def test_leavers_open_nothing_and_an_open_case_ends_when_the_student_leaves(indicators, cast):
    suspended = cast.students_a[2].student_no  # 休学: not 在读
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-GK", suspended): 5})
    assert list(Alert.objects.values_list("entity_key", flat=True)) == [ZHAO]
    student = cast.students_a[0]
    student.status, student.status_changed = StudentStatus.WITHDRAWN, dt.date(2024, 11, 1)
    student.save()
    evaluate(indicators, {("T-GK", ZHAO): 3})
    case = Alert.objects.get(entity_key=ZHAO)
    assert case.status == AlertStatus.LAPSED
    assert "退学" in case.events.get(kind=EventKind.LAPSED).note
    assert leavers(today=NOW.date()) == 0 and opened_in_range() == 0


def test_a_policy_sends_an_indicator_to_alerts_or_only_records_it_and_is_audited(indicators, cast):
    officer = cast.user("officer")
    alert_policy_set(indicator=indicators["T-KQ"], mode="alert", by=officer, note="缺勤由辅导员单独跟进")
    alert_policy_set(indicator=indicators["T-XL"], mode="monitor", by=officer)
    evaluate(indicators, {("T-KQ", ZHAO): 7, ("T-XL", QIAN): 3})
    assert list(Alert.objects.values_list("kind", "indicator__code", "entity_key")) == [("alert", "T-KQ", ZHAO)]
    record = AuditRecord.objects.filter(action="修改指标预警方式").order_by("pk").first()
    assert (record.before, record.after) == (
        {"处理方式": "汇总（并入对象本学期的学生预警）"},
        {"处理方式": "预警（发给责任部门或责任人）"},
    )


def _sensitive_psych(adviser: bool) -> None:
    settings = AlertSettings.current()
    settings.sensitive = {
        "indicators": {"T-XL": "psych"},
        "audiences": {"psych": {"roles": ["quality_office"], "units": [], "adviser": adviser, "student": False}},
    }
    settings.save()


def test_the_adviser_sees_a_psychological_signal_only_when_configured(indicators, client_for):
    _sensitive_psych(adviser=False)
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-XL", ZHAO): 2, ("T-XL", QIAN): 2})
    zhao = Alert.objects.get(entity_key=ZHAO)
    adviser = client_for("teacher")  # 李娜, adviser of 软件2301
    page = adviser.get(reverse("alerts:detail", args=[zhao.pk])).content.decode()
    assert "不及格课程门数" in page and "心理筛查关注等级" not in page
    assert "另有 1 个“心理”类信号" in page
    listed = {a.entity_key for a in adviser.get(reverse("alerts:mine")).context["page"]}
    assert listed == {ZHAO}  # 钱二's case holds only a psychological signal: not in the adviser's list
    officer_page = client_for("officer").get(reverse("alerts:detail", args=[zhao.pk])).content.decode()
    assert "心理筛查关注等级" in officer_page
    _sensitive_psych(adviser=True)
    page = adviser.get(reverse("alerts:detail", args=[zhao.pk])).content.decode()
    assert "心理筛查关注等级" in page
    assert {a.entity_key for a in adviser.get(reverse("alerts:mine")).context["page"]} == {ZHAO, QIAN}


def test_a_student_never_sees_internal_notes_only_what_was_shared(indicators, cast, client_for):
    evaluate(indicators, {("T-GK", ZHAO): 3})
    case = Alert.objects.get(entity_key=ZHAO)
    adviser = cast.user("teacher")
    alert_comment(alert=case, by=adviser, note="家长电话：父母离异，情绪低落")
    case_follow_up(alert=case, by=adviser, note="约定每周二答疑，补考前复习计划已发给你", shared=True)
    page = client_for("student").get(reverse("alerts:detail", args=[case.pk])).content.decode()
    assert "每周二答疑" in page and "父母离异" not in page
    assert "父母离异" in client_for("teacher").get(reverse("alerts:detail", args=[case.pk])).content.decode()


def test_a_bulk_action_on_a_filter_reaches_every_matching_item_on_every_page(indicators, cast, client_for):

    many = enrolled(cast, 60)
    alert_policy_set(indicator=indicators["T-KQ"], mode="alert", by=cast.user("officer"))
    evaluate(indicators, {**{("T-GK", no): 3 for no in many}, ("T-KQ", ZHAO): 7})
    officer = client_for("officer")
    listing = reverse("alerts:mine") + "?item=case"
    assert officer.get(listing).context["page"].paginator.count == 60  # two pages of 50
    response = officer.post(
        reverse("alerts:bulk"),
        {"action": "acknowledge", "target": "filter", "note": "本周统一约谈", "next": listing},
        follow=True,
    )
    assert "已完成 60 项" in " ".join(str(m) for m in response.context["messages"])
    assert set(Alert.objects.filter(kind=ItemKind.CASE).values_list("status", flat=True)) == {"acknowledged"}
    assert Alert.objects.get(indicator__code="T-KQ").status == "open"  # outside the filter: untouched
    refused = officer.post(reverse("alerts:bulk"), {"action": "ignore", "target": "filter", "next": listing},
                           follow=True)  # fmt: skip
    assert "批量申请忽略必须写明理由" in " ".join(str(m) for m in refused.context["messages"])


def test_a_class_where_many_students_have_cases_raises_one_class_alert_to_its_department(indicators, cast):

    many = enrolled(cast, 10)
    evaluate(indicators, {("T-GK", no): 3 for no in many[:4]})  # 4 of 12 在读: fewer than five
    assert not Alert.objects.filter(entity_kind="class").exists()
    evaluate(indicators, {("T-GK", no): 3 for no in many[:6]})  # 6 of 12 = 50 % ≥ 30 %
    alert = Alert.objects.get(entity_kind="class")
    assert (alert.entity_key, alert.owner_unit, alert.owner_teacher, alert.kind) == (
        "RJ2301",
        cast.dept_a,
        None,
        "alert",
    )
    assert alert.subject == "班级学生预警集中（6 人）" and alert.last_value == 0.5
    evaluate(indicators, {("T-GK", no): 0 for no in many[:6]})  # every case closes: the class recovers
    alert.refresh_from_db()
    assert alert.recovered_evaluations == 1 and alert.last_value == 0


def test_lists_open_worst_first(indicators, client_for):
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-GK", QIAN): 7, ("T-KQ", QIAN): 7})
    page = client_for("officer").get(reverse("alerts:mine")).context["page"]
    assert [a.entity_key for a in page] == [QIAN, ZHAO]  # 红色 · 2 signals before 黄色 · 1 signal


def test_many_items_at_once_reach_a_person_as_one_digest_and_red_ones_at_once(
    indicators, cast, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from zhengai.alerts.models import Delivery
    from zhengai.alerts.notifications import deliveries_send_due
    from zhengai.alerts.selectors import to_handle_count

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    adviser = cast.user("teacher")
    adviser.email = "lina@college.edu.cn"
    adviser.save()
    many = enrolled(cast, 8)
    AlertSettings.objects.update(class_case_share=100)  # no class alert here
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(indicators, {**{("T-GK", no): 3 for no in many[:7]}, ("T-GK", many[7]): 7})
    deliveries_send_due(now=NOW)
    to_adviser = [m for m in mail.outbox if m.to == ["lina@college.edu.cn"]]
    # One digest listing the seven 黄色 cases, and the one 红色 case on its own.
    assert len(to_adviser) == 2
    digest = next(m for m in to_adviser if "汇总" in m.subject)
    assert sum(no in digest.body or f"学生{n}" in digest.body for n, no in enumerate(many[:7])) == 7
    assert Delivery.objects.filter(user=adviser).count() == 2
    # The bell counts the items waiting for him, not the messages.
    assert to_handle_count(adviser) == 8


def test_a_department_summary_counts_open_new_and_overdue_by_indicator_class_and_major(indicators, client_for):
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-KQ", ZHAO): 7, ("T-GK", QIAN): 4})
    Alert.objects.filter(entity_key=QIAN).update(deadline=NOW - dt.timedelta(days=1))
    head = client_for("head_a")
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        found = head.get(reverse("alerts:summary", args=["xxgc"])).context["found"]
    assert (found.total.open, found.total.overdue) == (2, 1)
    assert [(r.key, r.open, r.overdue) for r in found.by_indicator] == [("T-GK", 2, 1), ("T-KQ", 1, 0)]
    assert [(r.key, r.label, r.open) for r in found.by_class] == [("RJ2301", "软件2301", 2)]
    assert [(r.key, r.open) for r in found.by_major] == [("510203", 2)]
    listed = head.get(reverse("alerts:unit", args=["xxgc"]) + "?klass=RJ2301").context["page"]
    assert {a.entity_key for a in listed} == {ZHAO, QIAN}
    assert client_for("outsider").get(reverse("alerts:summary", args=["xxgc"])).status_code == 404


def test_the_quality_office_sets_an_indicators_policy_on_its_page(indicators, client_for):
    officer = client_for("officer")
    page = officer.get(reverse("alerts:policies") + "?level=student")
    assert page.status_code == 200 and "汇总（并入对象本学期的学生预警）" in page.content.decode()
    officer.post(reverse("alerts:policies"), {"indicator": "T-KQ", "mode": "monitor", "note": "只看趋势"})
    evaluate(indicators, {("T-KQ", ZHAO): 12})
    assert not Alert.objects.exists()
    assert "仅监测（只记录）" in officer.get(reverse("alerts:policies")).content.decode()
    assert (
        client_for("teacher").post(reverse("alerts:policies"), {"indicator": "T-KQ", "mode": "alert"}).status_code
        == 403
    )


def test_a_backfill_of_older_periods_records_history_without_opening_current_items(indicators):
    evaluate(indicators, {("T-GK", ZHAO): 5})  # the current state, judged by an earlier run
    Alert.objects.all().delete()  # as if that run's items had been dealt with
    backfill = EvaluationRun.objects.create(
        status=RunStatus.SUCCEEDED, indicator_codes=["T-GK"], periods=["2023-2024-1"]
    )  # it wrote history for an older period; the current state (written by the earlier run) did not move
    assert alerts_after_run(run=backfill, now=NOW)["cases"] == 0
    assert not Alert.objects.exists()


def test_the_quality_office_overview_groups_the_worklist_by_problem_worst_first(indicators, cast, client_for):

    many = enrolled(cast, 7)
    AlertSettings.objects.update(class_case_share=100)  # no class alert here
    alert_policy_set(indicator=indicators["T-KQ"], mode="alert", by=cast.user("officer"))
    absent = {("T-KQ", no): 6 for no in many[:6]} | {("T-KQ", many[6]): 12}  # six 预警, one 未达标
    evaluate(indicators, {**absent, ("T-GK", ZHAO): 3, ("T-GK", QIAN): 7})
    officer = client_for("officer")
    problems = list(officer.get(reverse("alerts:overview")).context["problems"])
    assert [(p.label, p.unit_code, p.open, p.severity) for p in problems] == [
        ("学生预警·红色", "xxgc", 1, "failed"),
        ("缺勤次数", "xxgc", 7, "failed"),
        ("学生预警·黄色", "xxgc", 1, "warn"),
    ]
    kq = problems[1]
    # Its row names the worst five, the one 未达标 first, and links to exactly its seven items.
    assert len(kq.shown) == 5 and kq.more == 2 and kq.shown[0][1] == many[6]
    listed = officer.get(reverse("alerts:mine") + "?" + kq.list_query).context["page"]
    assert sorted(a.entity_key for a in listed) == sorted(many)
    red = officer.get(reverse("alerts:mine") + "?" + problems[0].list_query).context["page"]
    assert [a.entity_key for a in red] == [QIAN]
