"""The alert pages: my alerts, a unit's alerts, the overview, one alert with its handling, the inbox
and the settings, each within what the user may see.

The college is the shared cast (信息工程系 xxgc: 软件2301 with adviser 李娜 = the `teacher` user;
护理系 hlx). Two indicators are created here, their history written, and alerts raised through the
alert services:

  赵一 (2023010101, xxgc, the `student` user)  补考后仍不及格课程门数 3 门  预警 · 黄色
  钱二 (2023010102, xxgc)                      补考后仍不及格课程门数 2 门  预警 · 黄色  (opened 20 days ago: overdue)
  周五 (2023020101, hlx)                       补考后仍不及格课程门数 7 门  未达标 · 红色
  护理 (520201, hlx)                           专业生师比 19.5            未达标
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from zhengai.alerts.choices import AlertStatus, EventKind
from zhengai.alerts.context_processors import inbox as inbox_context
from zhengai.alerts.forms import MAX_ATTACHMENT_BYTES
from zhengai.alerts.models import Alert, AlertEvent, AlertSettings, Notification, NotificationPreference
from zhengai.alerts.services import alert_acknowledge, alert_raise, alerts_after_run
from zhengai.audit.models import AuditRecord
from zhengai.indicators.models import Indicator
from zhengai.indicators.services import indicator_create
from zhengai.monitoring import history
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun, IndicatorState

pytestmark = pytest.mark.django_db

GK = {
    "code": "T-GK",
    "name": "补考后仍不及格课程门数",
    "level": "student",
    "entity": "student",
    "system": "generation",
    "dimension": "学业发展",
    "unit": "门",
    "direction": "lower",
    "period": "academic_year",
    "owner": "ddb",
    "formula": "补考、重修均未通过的课程门数",
    "value": "failed",
    "parts": {"failed": {"from": "grades", "by": "student_no", "value": "count_if(not passed)", "fill": 0}},
    "thresholds": [
        {
            "from": "2020-01-01",
            "standard": "< 6",
            "warning": "< 2",
            "tiers": [
                {"label": "黄色", "color": "yellow", "when": ">= 2"},
                {"label": "红色", "color": "red", "when": ">= 6"},
            ],
        }
    ],
}
SSB = {
    "code": "T-SSB",
    "name": "专业生师比",
    "level": "major",
    "entity": "major",
    "system": "resource",
    "unit": "",
    "direction": "lower",
    "period": "academic_year",
    "owner": "hlx",
    "formula": "在校生 ÷ 专任教师",
    "value": "students / teachers",
    "parts": {
        "students": {"from": "students", "by": "major_code", "value": "count()"},
        "teachers": {
            "from": "course_offerings",
            "join": {"courses": "course_code"},
            "by": "courses.major_code",
            "value": "count_distinct(staff_no)",
            "fill": 0,
        },
    },
    "thresholds": [{"from": "2020-01-01", "standard": "<= 18", "warning": "<= 16"}],
}
Y1, Y2 = ("2023-2024", dt.date(2023, 9, 1)), ("2024-2025", dt.date(2024, 9, 1))


@dataclass
class College:
    gk: Indicator
    ssb: Indicator
    zhao: Alert  # the student user's own alert
    qian: Alert  # overdue
    zhou: Alert  # 护理系
    nursing: Alert  # 护理系, a major


def _history(
    indicator: Indicator, rows: list[tuple[tuple[str, dt.date], str, str, str, float, str, str]], run_id: int
) -> None:
    """(period, kind, key, org unit, value, outcome, tier) rows in the measurement history."""
    n = len(rows)
    threshold = indicator.threshold_rows.first()
    table = pa.table(
        {
            "run_id": [run_id] * n,
            "indicator": [indicator.code] * n,
            "period": [r[0][0] for r in rows],
            "period_kind": ["academic_year"] * n,
            "period_start": [r[0][1] for r in rows],
            "entity_kind": [r[1] for r in rows],
            "entity": [r[2] for r in rows],
            "entity_name": [""] * n,
            "org_unit": [r[3] for r in rows],
            "grp": [""] * n,
            "value": [r[4] for r in rows],
            "outcome": [r[5] for r in rows],
            "tier": [r[6] for r in rows],
            "deviation": [None] * n,
            "threshold_id": [threshold.pk] * n,
            "batches": [""] * n,
            "evaluated_at": [dt.datetime(2025, 3, 1)] * n,
        },
        schema=history.SCHEMA,
    )
    history.history_append(run_id=run_id, measurements=table)


def build_college(cast) -> College:
    officer = cast.user("officer")
    gk = indicator_create(raw=GK, by=officer)
    ssb = indicator_create(raw=SSB, by=officer)
    _history(
        gk,
        [
            (Y1, "student", "2023010101", "xxgc", 1.0, "passed", ""),
            (Y2, "student", "2023010101", "xxgc", 3.0, "warn", "黄色"),
            (Y2, "student", "2023010102", "xxgc", 2.0, "warn", "黄色"),
            (Y2, "student", "2023020101", "hlx", 7.0, "failed", "红色"),
        ],
        run_id=1,
    )
    _history(ssb, [(Y2, "major", "520201", "hlx", 19.5, "failed", "")], run_id=2)
    now = timezone.now()

    def raise_(indicator, kind, key, name, unit, value, outcome, tier="", at=None):
        return alert_raise(
            indicator=indicator, entity_kind=kind, entity_key=key, entity_name=name, org_unit=unit,
            period=Y2[0], value=value, outcome=outcome, tier=tier, now=at or now,
        )  # fmt: skip

    return College(
        gk=gk,
        ssb=ssb,
        zhao=raise_(gk, "student", "2023010101", "赵一", "xxgc", 3.0, "warn", "黄色"),
        qian=raise_(gk, "student", "2023010102", "钱二", "xxgc", 2.0, "warn", "黄色", at=now - dt.timedelta(days=20)),
        zhou=raise_(gk, "student", "2023020101", "周五", "hlx", 7.0, "failed", "红色"),
        nursing=raise_(ssb, "major", "520201", "护理", "hlx", 19.5, "failed"),
    )


@pytest.fixture
def college(cast) -> College:
    return build_college(cast)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments go to a temporary folder, never into the working directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _listed(response) -> set[str]:
    return {a.entity_key for a in response.context["page"]}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _recover(alert: Alert, times: int) -> None:
    """The indicator back in range for the alert's entity, over `times` evaluation runs."""
    IndicatorState.objects.update_or_create(
        indicator=alert.indicator,
        entity_key=alert.entity_key,
        defaults=dict(
            entity_kind=alert.entity_kind, entity_name=alert.entity_name, org_unit=alert.org_unit_code,
            period="2025-2026", period_start=dt.date(2025, 9, 1), value=1.0, outcome="passed", tier="",
            changed_at=timezone.now(), updated_at=timezone.now(),
        ),
    )  # fmt: skip
    for _ in range(times):
        alerts_after_run(run=EvaluationRun.objects.create(status=RunStatus.SUCCEEDED))


# ------------------------------------------------------------------------------------------ scope


def test_an_outsider_sees_no_alert_and_every_alert_page_is_a_404(client_for, college):
    client = client_for("outsider")
    response = client.get(reverse("alerts:mine"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert "没有需要处理的预警" in response.content.decode()
    assert client.get(reverse("alerts:detail", args=[college.zhao.pk])).status_code == 404
    assert client.get(reverse("alerts:unit", args=["xxgc"])).status_code == 404
    assert client.get(reverse("alerts:overview")).status_code == 403
    response = client.post(reverse("alerts:act", args=[college.zhao.pk, "acknowledge"]))
    assert response.status_code == 404
    assert Alert.objects.get(pk=college.zhao.pk).status == AlertStatus.OPEN


def test_a_student_sees_his_own_alert_read_only_and_not_another_students(client_for, college):
    client = client_for("student")
    assert _listed(client.get(reverse("alerts:mine"), {"status": "all"})) == {"2023010101"}
    page = client.get(reverse("alerts:detail", args=[college.zhao.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "赵一" in html
    assert page.context["forms"] == {} and 'id="acknowledge-button"' not in html and 'name="ids"' not in html
    assert client.get(reverse("alerts:detail", args=[college.qian.pk])).status_code == 404
    assert client.get(reverse("alerts:detail", args=[college.zhou.pk])).status_code == 404

    response = client.post(reverse("alerts:act", args=[college.zhao.pk, "acknowledge"]), follow=True)
    assert any("不能确认" in m for m in _messages(response))
    assert Alert.objects.get(pk=college.zhao.pk).status == AlertStatus.OPEN


def test_a_department_head_sees_only_his_departments_alerts(client_for, college):
    client = client_for("head_a")
    assert _listed(client.get(reverse("alerts:mine"))) == {"2023010101", "2023010102"}
    assert client.get(reverse("alerts:detail", args=[college.zhou.pk])).status_code == 404
    assert client.get(reverse("alerts:detail", args=[college.nursing.pk])).status_code == 404
    unit = client.get(reverse("alerts:unit", args=["xxgc"]))
    assert unit.status_code == 200 and _listed(unit) == {"2023010101", "2023010102"}
    assert client.get(reverse("alerts:unit", args=["hlx"])).status_code == 404
    assert f'href="{reverse("alerts:unit", args=["xxgc"])}"' in client.get(reverse("alerts:mine")).content.decode()


def test_the_head_of_the_indicators_owner_unit_sees_its_alerts_beside_the_accountable_one(client_for, college, cast):
    owned = indicator_create(raw={**GK, "code": "T-GK2", "owner": "xxgc"}, by=cast.user("officer"))
    alert = alert_raise(
        indicator=owned, entity_kind="student", entity_key="2023020102", entity_name="吴六", org_unit="hlx",
        period=Y2[0], value=2.0, outcome="warn", tier="黄色",
    )  # fmt: skip
    assert (alert.owner_unit, alert.informed_unit) == (cast.dept_b, cast.dept_a)
    page = client_for("head_a").get(reverse("alerts:detail", args=[alert.pk]))
    assert page.status_code == 200 and "知会：信息工程系" in page.content.decode()
    assert page.context["forms"] == {}  # 护理系 handles it; 信息工程系 is kept informed


def test_the_class_adviser_sees_the_alerts_of_his_students(client_for, college):
    response = client_for("teacher").get(reverse("alerts:mine"))
    assert _listed(response) == {"2023010101", "2023010102"}
    assert client_for("teacher").get(reverse("alerts:unit", args=["xxgc"])).status_code == 404


def test_the_quality_office_sees_every_alert_and_every_unit(client_for, college):
    client = client_for("officer")
    assert _listed(client.get(reverse("alerts:mine"))) == {"2023010101", "2023010102", "2023020101", "520201"}
    assert _listed(client.get(reverse("alerts:unit", args=["hlx"]))) == {"2023020101", "520201"}


# ------------------------------------------------------------------------------------------ the list


def test_the_list_filters_by_status_severity_tier_level_indicator_and_overdue(client_for, college, cast):
    client = client_for("officer")
    mine = reverse("alerts:mine")
    assert _listed(client.get(mine, {"severity": "failed"})) == {"2023020101", "520201"}
    assert _listed(client.get(mine, {"tier": "红色"})) == {"2023020101"}
    assert _listed(client.get(mine, {"level": "major"})) == {"520201"}
    assert _listed(client.get(mine, {"system": "generation", "level": "student"})) == {
        "2023010101", "2023010102", "2023020101",
    }  # fmt: skip
    assert _listed(client.get(mine, {"indicator": "T-SSB"})) == {"520201"}
    assert _listed(client.get(mine, {"overdue": "on"})) == {"2023010102"}
    assert _listed(client.get(mine, {"q": "周五"})) == {"2023020101"}

    alert_acknowledge(alert=college.zhao, by=cast.user("officer"))
    assert _listed(client.get(mine, {"status": "acknowledged"})) == {"2023010101"}
    assert _listed(client.get(mine, {"status": "open"})) == {"2023010102", "2023020101", "520201"}
    Alert.objects.filter(pk=college.qian.pk).update(status=AlertStatus.CLOSED, closed_at=timezone.now())
    assert "2023010102" not in _listed(client.get(mine))  # closed: not among the open ones by default
    assert "2023010102" in _listed(client.get(mine, {"status": "all"}))


def test_the_list_sorts_by_deadline_and_severity(client_for, college):
    client = client_for("officer")
    by_deadline = [a.entity_key for a in client.get(reverse("alerts:mine"), {"sort": "deadline"}).context["page"]]
    assert by_deadline[0] == "2023010102"  # opened 20 days ago: the nearest (passed) deadline
    by_severity = [a.entity_key for a in client.get(reverse("alerts:mine"), {"sort": "severity"}).context["page"]]
    assert by_severity[0] == "2023020101"  # 未达标 · 红色
    html = client.get(reverse("alerts:mine"), {"sort": "deadline"}).content.decode()
    assert "?sort=-deadline" in html  # the column header turns the order round


def test_an_htmx_request_gets_only_the_table(client_for, college):
    response = client_for("officer").get(reverse("alerts:mine"), {"severity": "failed"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="alerts"' in html
    assert html.count('name="ids"') == 2


def test_bulk_acknowledge_does_what_it_can_and_says_why_it_refused_the_rest(client_for, college, cast):
    alert_acknowledge(alert=college.qian, by=cast.user("officer"))
    client = client_for("head_a")
    back = reverse("alerts:mine") + "?status=all"
    response = client.post(
        reverse("alerts:bulk"),
        {"action": "acknowledge", "note": "已通知班主任跟进", "ids": [college.zhao.pk, college.qian.pk], "next": back},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == back
    messages = _messages(response)
    assert "批量确认：已完成 1 项。" in messages
    refused = next(m for m in messages if "未处理" in m)
    assert "1 项未处理" in refused and "钱二" in refused and "预警当前为“已确认”，不能确认" in refused
    zhao = Alert.objects.get(pk=college.zhao.pk)
    assert zhao.status == AlertStatus.ACKNOWLEDGED
    assert zhao.events.get(kind=EventKind.ACKNOWLEDGED).note == "已通知班主任跟进"


def test_bulk_refuses_alerts_outside_the_users_scope(client_for, college):
    response = client_for("head_a").post(
        reverse("alerts:bulk"), {"action": "acknowledge", "ids": [college.zhou.pk]}, follow=True
    )
    assert any("不在您的范围内" in m for m in _messages(response))
    assert Alert.objects.get(pk=college.zhou.pk).status == AlertStatus.OPEN


def test_bulk_close_is_refused_while_the_data_has_not_recovered(client_for, college):
    client = client_for("teacher")
    for action in ("acknowledge",):
        client.post(reverse("alerts:bulk"), {"action": action, "ids": [college.zhao.pk]})
    client.post(
        reverse("alerts:act", args=[college.zhao.pk, "fca"]), {"fact": "3 门不及格", "cause": "缺课", "action": "辅导"}
    )
    client.post(reverse("alerts:bulk"), {"action": "done", "ids": [college.zhao.pk]})
    response = client.post(reverse("alerts:bulk"), {"action": "close", "ids": [college.zhao.pk]}, follow=True)
    assert any("数据尚未恢复" in m for m in _messages(response))
    assert Alert.objects.get(pk=college.zhao.pk).status == AlertStatus.VERIFYING


def test_a_student_is_not_offered_bulk_actions_and_cannot_post_them(client_for, college):
    client = client_for("student")
    assert 'id="bulk-form"' in client.get(reverse("alerts:mine")).content.decode()
    assert 'name="action"' not in client.get(reverse("alerts:mine")).content.decode()
    response = client.post(reverse("alerts:bulk"), {"action": "acknowledge", "ids": [college.zhao.pk]}, follow=True)
    assert "您的账号不能处理预警" in _messages(response)
    assert Alert.objects.get(pk=college.zhao.pk).status == AlertStatus.OPEN


# ------------------------------------------------------------------------------------------ one alert


def test_the_alert_page_shows_route_deadline_values_and_the_history_chart(client_for, college):
    response = client_for("teacher").get(reverse("alerts:detail", args=[college.qian.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "班主任（辅导员）" in html and "李娜" in html  # route note: the class adviser
    assert 'class="datagrid-content zg-overdue"' in html and "已超期" in html
    assert reverse("monitoring:entity", args=["student", "2023010102"]) in html
    start = html.index('<script id="alert-history" type="application/json">')
    chart = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert chart["periods"] == ["2024-2025"] and chart["values"] == [2.0]
    assert {(line["name"], line["value"]) for line in chart["lines"]} == {("标准值", 6.0), ("预警值", 2.0)}
    zhao = client_for("student").get(reverse("alerts:detail", args=[college.zhao.pk])).context["chart"]
    assert zhao["periods"] == ["2023-2024", "2024-2025"] and zhao["outcomes"] == ["passed", "warn"]
    assert [v.value for v in response.context["values"]] == [2.0]
    assert [e.kind for e in response.context["events"]] == [EventKind.OPENED]


def test_an_alert_walks_through_acknowledge_fca_done_and_closes_only_after_recovery(client_for, college):
    client = client_for("teacher")
    act = lambda action: reverse("alerts:act", args=[college.zhao.pk, action])  # noqa: E731
    status = lambda: Alert.objects.get(pk=college.zhao.pk).status  # noqa: E731

    response = client.post(act("acknowledge"), {"ack-note": "已知悉"}, follow=True)
    assert "已确认该预警" in _messages(response) and status() == AlertStatus.ACKNOWLEDGED
    response = client.post(
        act("fca"), {"fact": "两门课程补考未过", "cause": "缺课较多", "action": "安排每周辅导"}, follow=True
    )
    assert status() == AlertStatus.IN_PROGRESS
    assert "安排每周辅导" in response.content.decode()
    client.post(act("done"), {"done-note": "辅导已安排"})
    assert status() == AlertStatus.VERIFYING

    response = client.post(act("close"), {"close-note": "确认"}, follow=True)
    assert status() == AlertStatus.VERIFYING
    assert any(m.startswith("数据尚未恢复：需要连续 2 次计算在正常范围，目前 0 次") for m in _messages(response))
    assert "数据尚未恢复" in response.content.decode()

    _recover(college.zhao, times=1)
    assert "目前 1 次" in " ".join(_messages(client.post(act("close"), follow=True)))
    _recover(college.zhao, times=1)
    response = client.post(act("close"), {"close-note": "连续两次正常"}, follow=True)
    assert status() == AlertStatus.CLOSED and "预警已关闭" in _messages(response)
    kinds = [e.kind for e in response.context["events"]]
    assert kinds == ["opened", "acknowledged", "fca", "done", "recovered", "closed"]
    assert set(response.context["forms"]) == {"comment"}  # a closed alert takes comments only


def test_the_fca_form_needs_all_three_and_keeps_what_was_typed(client_for, college):
    response = client_for("teacher").post(
        reverse("alerts:act", args=[college.zhao.pk, "fca"]), {"fact": "两门不及格", "cause": "", "action": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "请填写原因" in html and "请填写措施" in html
    assert "两门不及格" in html
    assert Alert.objects.get(pk=college.zhao.pk).fact == ""


def test_an_attachment_over_10_mb_is_refused_in_chinese_and_nothing_is_saved(client_for, college, settings):
    big = SimpleUploadedFile("成绩单.pdf", b"x" * (MAX_ATTACHMENT_BYTES + 1), content_type="application/pdf")
    response = client_for("teacher").post(
        reverse("alerts:act", args=[college.zhao.pk, "comment"]), {"note": "成绩单", "attachment": big}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "附件不能超过 10 MB，所选文件“成绩单.pdf”为 10.0 MB" in html
    assert not AlertEvent.objects.filter(alert=college.zhao, kind__in=["comment", "attachment"]).exists()
    assert not (settings.MEDIA_ROOT / "alerts").exists()


def test_an_attachment_is_kept_in_the_log_and_downloadable_only_within_scope(client_for, college):
    client = client_for("teacher")
    small = SimpleUploadedFile("整改方案.txt", "每周二辅导".encode(), content_type="text/plain")
    response = client.post(
        reverse("alerts:act", args=[college.zhao.pk, "comment"]), {"note": "整改方案", "attachment": small}, follow=True
    )
    event = AlertEvent.objects.get(alert=college.zhao, kind=EventKind.ATTACHMENT)
    url = reverse("alerts:attachment", args=[college.zhao.pk, event.pk])
    assert url in response.content.decode() and "整改方案.txt" in response.content.decode()
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).decode() == "每周二辅导"
    assert "attachment" in download["Content-Disposition"]
    assert client_for("student").get(url).status_code == 200  # his own alert
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("course_leader").get(url).status_code == 404


def test_a_comment_needs_text_or_a_file(client_for, college):
    response = client_for("teacher").post(reverse("alerts:act", args=[college.zhao.pk, "comment"]), {"note": "  "})
    assert "请填写留言或选择附件" in response.content.decode()
    assert not AlertEvent.objects.filter(alert=college.zhao, kind="comment").exists()


def test_assigning_is_limited_to_people_of_the_owner_unit(client_for, college, cast):
    client = client_for("head_a")
    users = list(
        client.get(reverse("alerts:detail", args=[college.zhao.pk])).context["forms"]["assign"].fields["to"].queryset
    )
    assert cast.user("teacher") in users and cast.user("course_leader") not in users
    response = client.post(
        reverse("alerts:act", args=[college.zhao.pk, "assign"]), {"to": cast.user("course_leader").pk}
    )
    assert "只能指派给责任部门的人员" in response.content.decode()
    response = client.post(
        reverse("alerts:act", args=[college.zhao.pk, "assign"]), {"to": cast.user("teacher").pk, "note": "请跟进"},
        follow=True,
    )  # fmt: skip
    assert Alert.objects.get(pk=college.zhao.pk).assignee == cast.user("teacher")
    assert "已指派给 李娜" in _messages(response)


def test_ignoring_needs_a_reason_and_the_quality_offices_approval(client_for, college):
    teacher = client_for("teacher")
    url = lambda action: reverse("alerts:act", args=[college.zhao.pk, action])  # noqa: E731
    assert "申请忽略必须写明理由" in teacher.post(url("ignore"), {"reason": ""}).content.decode()
    teacher.post(url("ignore"), {"reason": "该生已办理休学"})
    page = teacher.get(reverse("alerts:detail", args=[college.zhao.pk]))
    assert "decide" not in page.context["forms"] and "申请忽略此预警，待质控中心审批" in page.content.decode()
    response = teacher.post(url("decide"), {"decision": "approve"}, follow=True)
    assert "忽略预警须由质控中心批准" in _messages(response)

    officer = client_for("officer")
    assert "decide" in officer.get(reverse("alerts:detail", args=[college.zhao.pk])).context["forms"]
    officer.post(url("decide"), {"decision": "approve", "note": "同意"})
    assert Alert.objects.get(pk=college.zhao.pk).status == AlertStatus.IGNORED
    assert AuditRecord.objects.filter(action="预警：批准忽略", object_id=str(college.zhao.pk)).exists()


def test_a_reviewer_reads_an_alert_but_is_offered_no_action(client_for, college):
    client = client_for("reviewer")
    page = client.get(reverse("alerts:detail", args=[college.zhao.pk]))
    assert page.status_code == 200 and page.context["forms"] == {}
    assert client.post(reverse("alerts:act", args=[college.zhao.pk, "acknowledge"])).status_code == 403


def test_an_unknown_action_is_a_404(client_for, college):
    assert client_for("officer").post(reverse("alerts:act", args=[college.zhao.pk, "delete"])).status_code == 404


# ------------------------------------------------------------------------------------------ overview


def test_the_overview_counts_by_system_and_level_department_severity_and_tier(client_for, college, cast):
    officer = cast.user("officer")
    alert_acknowledge(alert=college.zhou, by=officer)
    response = client_for("officer").get(reverse("alerts:overview"))
    assert response.status_code == 200
    found = response.context["found"]
    cells = {
        (found.heatmap["system_codes"][y], found.heatmap["level_codes"][x]): n for x, y, n in found.heatmap["cells"]
    }
    assert len(cells) == 25
    assert cells[("generation", "student")] == 3 and cells[("resource", "major")] == 1
    assert sum(cells.values()) == 4
    rows = {row.unit.code: row for row in found.units}
    assert (rows["xxgc"].active, rows["xxgc"].overdue) == (2, 1)
    assert (rows["hlx"].active, rows["hlx"].overdue) == (2, 0)
    assert rows["hlx"].mean_ack is not None and rows["xxgc"].mean_ack is None
    assert dict((v, n) for v, _l, _b, n in found.by_severity) == {"warn": 2, "failed": 2}
    assert dict((t, n) for t, _c, n in found.by_tier)["黄色"] == 2
    assert sum(n for _t, _c, n in found.by_tier) == found.total.active  # the tiers add up to the total
    html = response.content.decode()
    assert 'id="chart-heatmap"' in html and reverse("alerts:unit", args=["hlx"]) in html


def test_the_overview_counts_closures_of_the_last_30_days_and_mean_time_to_close(client_for, college):
    now = timezone.now()
    Alert.objects.filter(pk=college.zhou.pk).update(
        status=AlertStatus.CLOSED, opened_at=now - dt.timedelta(days=3), acknowledged_at=now - dt.timedelta(days=2),
        closed_at=now - dt.timedelta(days=1),
    )  # fmt: skip
    Alert.objects.filter(pk=college.nursing.pk).update(
        status=AlertStatus.CLOSED, opened_at=now - dt.timedelta(days=90), closed_at=now - dt.timedelta(days=40)
    )
    found = client_for("officer").get(reverse("alerts:overview")).context["found"]
    hlx = next(row for row in found.units if row.unit and row.unit.code == "hlx")
    assert (hlx.active, hlx.closed_30) == (0, 1)
    assert hlx.mean_close_text == "26.0 天"  # (2 days + 50 days) / 2
    assert hlx.mean_ack_text == "24.0 小时"


def test_the_overview_is_only_for_college_wide_roles(client_for, college):
    assert client_for("head_a").get(reverse("alerts:overview")).status_code == 403
    assert client_for("reviewer").get(reverse("alerts:overview")).status_code == 200


# ------------------------------------------------------------------------------------------ inbox


def test_the_inbox_lists_unread_first_and_marks_read(client_for, college, cast):
    teacher = cast.user("teacher")
    # The adviser heard of both of his students' alerts when they opened.
    assert Notification.objects.filter(user=teacher).count() == 2
    older = Notification.objects.filter(user=teacher, alert=college.qian).get()
    older.read_at = timezone.now()
    older.save()
    client = client_for("teacher")
    response = client.get(reverse("alerts:inbox"))
    rows = list(response.context["page"])
    assert [n.alert_id for n in rows] == [college.zhao.pk, college.qian.pk] and response.context["unread"] == 1
    assert "1 条未读" in response.content.decode()
    assert list(client.get(reverse("alerts:inbox"), {"unread": "1"}).context["page"]) == rows[:1]

    opened = client.get(reverse("alerts:notification_open", args=[rows[0].pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("alerts:detail", args=[college.zhao.pk])
    assert Notification.objects.get(pk=rows[0].pk).read_at is not None
    assert client_for("head_a").get(reverse("alerts:notification_open", args=[rows[0].pk])).status_code == 404


def test_mark_one_and_mark_all_read(client_for, college, cast):
    client = client_for("head_a")
    mine = Notification.objects.filter(user=cast.user("head_a"))
    assert mine.count() == 2
    first = mine.first()
    client.post(reverse("alerts:notification_read", args=[first.pk]), {"next": "https://evil.example/"})
    assert mine.filter(read_at__isnull=True).count() == 1
    response = client.post(reverse("alerts:inbox_read_all"), follow=True)
    assert "已将 1 条通知标为已读" in _messages(response)
    assert not mine.filter(read_at__isnull=True).exists()
    assert client_for("teacher").post(reverse("alerts:notification_read", args=[first.pk])).status_code == 404


def test_the_top_bar_count_is_the_users_unread_notifications(college, cast):
    request = RequestFactory().get("/")
    request.user = cast.user("teacher")
    context = inbox_context(request)
    assert int(str(context["alerts_unread"])) == 2
    badge = render_to_string("alerts/_inbox_badge.html", context)
    assert reverse("alerts:inbox") in badge and "2 条未读" in badge
    request.user = cast.user("outsider")
    assert not inbox_context(request)["alerts_unread"]


def test_preferences_are_saved_and_quiet_hours_need_both_ends(client_for, cast):
    client = client_for("teacher")
    assert client.get(reverse("alerts:preferences")).status_code == 200
    response = client.post(
        reverse("alerts:preferences"), {"email": "on", "digest_time": "08:00", "quiet_start": "22:00"}
    )
    assert "免打扰的开始和结束时间要同时填写" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=cast.user("teacher")).exists()
    client.post(
        reverse("alerts:preferences"),
        {"daily_digest": "on", "digest_time": "07:30", "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    pref = NotificationPreference.objects.get(user=cast.user("teacher"))
    assert (pref.email, pref.daily_digest, pref.digest_time) == (False, True, dt.time(7, 30))
    assert (pref.quiet_start, pref.quiet_end) == (dt.time(22, 0), dt.time(7, 0))


# ------------------------------------------------------------------------------------------ settings


def test_the_alert_settings_are_for_the_quality_office_and_every_change_is_audited(client_for, cast):
    assert client_for("head_a").get(reverse("alerts:settings")).status_code == 403
    assert client_for("reviewer").get(reverse("alerts:settings")).status_code == 403
    client = client_for("officer")
    assert client.get(reverse("alerts:settings")).status_code == 200
    data = {
        "warn_days": 10, "failed_days": 5, "red_days": 2, "escalate_after_days": 4, "recovery_evaluations": 3,
        "quality_unit": "zkzx", "daily_capacity": 10, "case_min_signals": 3, "class_case_share": 30,
    }  # fmt: skip
    response = client.post(reverse("alerts:settings"), {**data, "recovery_evaluations": 0})
    assert response.status_code == 200 and "至少为 1" in response.content.decode()
    assert AlertSettings.current().recovery_evaluations == 2
    client.post(reverse("alerts:settings"), data)
    current = AlertSettings.current()
    assert (current.warn_days, current.recovery_evaluations) == (10, 3)
    record = AuditRecord.objects.get(action="修改预警设置")
    assert record.actor == cast.user("officer")
    # The audit log names each setting as the page does.
    assert record.before["预警的处理时限（天）"] == 14 and record.after["预警的处理时限（天）"] == 10
    response = client.post(reverse("alerts:settings"), data, follow=True)
    assert "设置没有变化" in _messages(response) and AuditRecord.objects.filter(action="修改预警设置").count() == 1


# ------------------------------------------------------------------------------------------ navigation


def test_the_navigation_offers_the_overview_only_to_college_wide_roles(client_for):
    officer = client_for("officer").get(reverse("alerts:mine")).content.decode()
    assert f'href="{reverse("alerts:overview")}"' in officer
    head = client_for("head_a").get(reverse("alerts:mine")).content.decode()
    assert f'href="{reverse("alerts:overview")}"' not in head
    assert re.search(rf'<a class="dropdown-item active" href="{reverse("alerts:mine")}"', head)
    assert f'href="{reverse("alerts:inbox")}"' in head
