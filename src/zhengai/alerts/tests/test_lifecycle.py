"""One alert through its whole cycle, driven by real evaluations of a small data center."""

from __future__ import annotations

import pytest

from zhengai.alerts.choices import AlertStatus, EventKind
from zhengai.alerts.models import Alert, AlertSettings
from zhengai.alerts.services import (
    AlertActionRefused,
    alert_acknowledge,
    alert_close,
    alert_mark_done,
    alert_record_fca,
)
from zhengai.indicators.services import indicator_create
from zhengai.monitoring.services import evaluate_now
from zhengai.monitoring.tests.college import REPORT_RATE, admissions_with, ecommerce_major, publish_admissions
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db


def publish_2025(reported: int) -> None:
    """电子商务 (530701) admits 100 a year and reports 83, 82, then `reported` in 2025; 护理 always ~95 %."""
    publish_admissions(admissions_with(2025, "530701", reported))


@pytest.fixture
def indicator(cast):
    ecommerce_major(cast)
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    AlertSettings.objects.create(recovery_evaluations=2)
    return indicator_create(raw=REPORT_RATE, by=cast.user("officer"))


def test_an_alert_goes_through_the_whole_cycle_and_reopens_on_relapse(indicator, cast):
    officer = cast.user("officer")
    publish_2025(82)
    evaluate_now(indicator_codes=["T-BDL"])
    alert = Alert.objects.get(indicator=indicator, entity_key="530701")
    assert (alert.status, alert.severity, alert.period, alert.opened_value) == ("open", "warn", "2025-2026", 0.82)
    assert not Alert.objects.filter(entity_key="520201").exists()

    alert_acknowledge(alert=alert, by=officer, note="已知悉")
    alert_record_fca(alert=alert, by=officer, fact="报到率 82%，低于预警值 85%", cause="省外录取生源放弃入学",
                     action="录取后电话回访，调整省外计划")  # fmt: skip
    assert alert.status == AlertStatus.IN_PROGRESS
    alert_mark_done(alert=alert, by=officer, note="回访完成")
    assert alert.status == AlertStatus.VERIFYING

    # The work is said to be done, but the data is still bad: it stays 待验证 and cannot be closed.
    evaluate_now(indicator_codes=["T-BDL"])
    alert.refresh_from_db()
    assert (alert.status, alert.recovered_evaluations) == ("verifying", 0)
    with pytest.raises(AlertActionRefused, match="数据尚未恢复"):
        alert_close(alert=alert, by=officer)

    # The corrected batch brings it back in range: one evaluation in range is not yet enough (N = 2).
    publish_2025(91)
    evaluate_now(indicator_codes=["T-BDL"])
    alert.refresh_from_db()
    assert (alert.status, alert.recovered_evaluations, alert.last_value) == ("verifying", 1, 0.91)
    with pytest.raises(AlertActionRefused, match="需要连续 2 次"):
        alert_close(alert=alert, by=officer)
    evaluate_now(indicator_codes=["T-BDL"])
    alert.refresh_from_db()
    assert alert.recovered_evaluations == 2
    alert_close(alert=alert, by=officer, note="连续两次计算正常")
    assert alert.status == AlertStatus.CLOSED and alert.closed_at is not None

    # A relapse reopens the same alert.
    publish_2025(70)
    evaluate_now(indicator_codes=["T-BDL"])
    alert.refresh_from_db()
    assert (alert.status, alert.severity, alert.reopened_count, alert.last_value) == ("open", "failed", 1, 0.7)
    assert Alert.objects.filter(indicator=indicator, entity_key="530701").count() == 1

    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.OPENED, EventKind.ACKNOWLEDGED, EventKind.FCA, EventKind.DONE, EventKind.RECOVERED,
        EventKind.CLOSED, EventKind.REOPENED,
    ]  # fmt: skip
    assert [round(v, 2) for v in alert.values.values_list("value", flat=True)] == [0.82, 0.91, 0.7]


def test_marking_done_needs_fact_cause_and_action(indicator, cast):
    publish_2025(82)
    evaluate_now(indicator_codes=["T-BDL"])
    alert = Alert.objects.get(entity_key="530701")
    alert_acknowledge(alert=alert, by=cast.user("officer"))
    with pytest.raises(AlertActionRefused, match="请先填写事实、原因、措施"):
        alert_mark_done(alert=alert, by=cast.user("officer"))
    with pytest.raises(AlertActionRefused, match="三项都要填写"):
        alert_record_fca(alert=alert, by=cast.user("officer"), fact="x", cause="", action="y")


def test_someone_outside_the_alert_cannot_handle_it(indicator, cast):
    publish_2025(82)
    evaluate_now(indicator_codes=["T-BDL"])
    alert = Alert.objects.get(entity_key="530701")
    for key in ("outsider", "student", "teacher"):
        with pytest.raises(AlertActionRefused, match="不是该预警的责任人"):
            alert_acknowledge(alert=alert, by=cast.user(key))
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_rerunning_an_evaluation_opens_no_second_alert(indicator):
    publish_2025(82)
    evaluate_now(indicator_codes=["T-BDL"])
    evaluate_now(indicator_codes=["T-BDL"])
    assert Alert.objects.filter(entity_key="530701").count() == 1


def test_a_running_cumulative_period_opens_nothing_until_it_has_ended(cast):
    import datetime as dt

    from zhengai.lib import clock
    from zhengai.monitoring.tests.test_evaluation import REPORTED, REPORTED_ROWS

    ecommerce_major(cast)
    calendar_ensure(first_start_year=2024, last_start_year=2026)
    publish_admissions(REPORTED_ROWS)
    indicator_create(raw=REPORTED, by=cast.user("officer"))
    with clock.frozen(dt.datetime(2026, 12, 2, 9, 0)):
        evaluate_now(indicator_codes=["T-BDRS"])
    assert not Alert.objects.filter(indicator__code="T-BDRS").exists()  # 40 of 60 so far: 周期未结束
    with clock.frozen(dt.datetime(2027, 9, 2, 9, 0)):
        evaluate_now(indicator_codes=["T-BDRS"])
    alert = Alert.objects.get(indicator__code="T-BDRS", entity_key="530701")
    assert (alert.period, alert.severity, alert.opened_value) == ("2026-2027", "failed", 40)


def test_an_entity_failing_on_several_indicators_counts_them_as_signals_until_one_ends(indicator, cast):
    from zhengai.alerts.services import alert_decide_ignore, alert_request_ignore, alerts_on_evaluation

    officer = cast.user("officer")
    stricter = {**REPORT_RATE, "code": "T-BDL9", "name": "新生报到率（省定）"}
    stricter["thresholds"] = [{"from": "2019-01-01", "standard": ">= 0.9"}]
    indicator_create(raw=stricter, by=officer)
    publish_2025(82)
    run = evaluate_now(indicator_codes=["T-BDL", "T-BDL9"])
    alerts_on_evaluation(run=run)  # a second pass over the same run changes nothing
    warn = Alert.objects.get(indicator__code="T-BDL", entity_key="530701")
    failed = Alert.objects.get(indicator__code="T-BDL9", entity_key="530701")
    assert (warn.entity_items, failed.entity_items) == (2, 2)
    alone = warn.priority
    alert_request_ignore(alert=failed, by=officer, reason="省定口径本年度不考核")
    alert_decide_ignore(alert=failed, by=officer, approve=True)
    warn.refresh_from_db()
    assert warn.entity_items == 1 and warn.priority == alone - 1000  # one signal fewer
