"""Group robots of 企业微信, 钉钉 and 飞书, checked against a real HTTP server on 127.0.0.1.

Each payload is checked field by field against the documented format, and each signature is
recomputed here from the documented algorithm (not from the code under test):

* 企业微信 (developer.work.weixin.qq.com/document/path/91770): {"msgtype": "markdown", "markdown":
  {"content"}}, content ≤ 4096 bytes; success {"errcode": 0, "errmsg": "ok"}.
* 钉钉 (open.dingtalk.com/document/orgapp/custom-bot-send-message-type, …/customize-robot-security-settings):
  {"msgtype": "markdown", "markdown": {"title", "text"}}; 加签 = urlencode(base64(HmacSHA256(secret,
  f"{timestamp_ms}\\n{secret}"))) in the URL with timestamp; success errcode 0.
* 飞书 (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): {"msg_type": "interactive", "card":
  {config, header {title, template}, elements}}; 签名 = base64(HmacSHA256(key=f"{timestamp_s}\\n{secret}",
  msg=b"")) with timestamp and sign in the body; success {"code": 0} (older {"StatusCode": 0}).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from zhengai.alerts.channels import CHANNELS
from zhengai.alerts.channels.base import LIST_LIMIT, Message
from zhengai.alerts.models import Channel, Delivery, DeliveryStatus
from zhengai.alerts.notifications import MAX_ATTEMPTS, deliveries_send_due, delivery_send
from zhengai.alerts.services import alert_raise
from zhengai.indicators.services import indicator_create
from zhengai.monitoring.tests.college import REPORT_RATE, ecommerce_major

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 10, 8, 10, 0, tzinfo=SHANGHAI)
BASE = "https://zhengai.example.edu.cn"
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"}, "feishu": {"code": 0}}


# ------------------------------------------------------------------------------------------ the server


class Robot:
    """A local stand-in for the three webhook services: it records every request and answers as
    told — a JSON body with a status, or hanging past the client's timeout."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple] = []  # consumed in order; when empty, the kind's success answer
        self.release = threading.Event()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                split = urllib.parse.urlsplit(self.path)
                robot.requests.append(
                    {
                        "path": split.path,
                        "raw_query": split.query,
                        "query": dict(urllib.parse.parse_qsl(split.query)),
                        "content_type": self.headers["Content-Type"],
                        "body": json.loads(raw.decode("utf-8")),
                    }
                )
                answer = robot.answers.pop(0) if robot.answers else ("json", 200, OK[split.path.split("/")[1]])
                if answer[0] == "hang":
                    robot.release.wait(5)
                    return
                _, status, body = answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    with Robot() as r:
        yield r


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.ZHENGAI_BASE_URL = BASE + "/"


@pytest.fixture
def indicator(cast):
    ecommerce_major(cast)
    return indicator_create(raw=REPORT_RATE, by=cast.user("officer"))


def _raise(indicator, *, major: str = "510203", name: str = "软件技术", unit: str = "xxgc", value=0.82, outcome="warn"):
    return alert_raise(
        indicator=indicator,
        entity_kind="major",
        entity_key=major,
        entity_name=name,
        org_unit=unit,
        period="2025-2026",
        value=value,
        outcome=outcome,
        now=NOW,
    )


def _channel(robot: Robot, kind: str, *, secret: str = "", org_unit=None, name: str = "") -> Channel:
    paths = {
        "wecom": "/wecom/cgi-bin/webhook/send?key=K-123",
        "dingtalk": "/dingtalk/robot/send?access_token=T-456",
        "feishu": "/feishu/open-apis/bot/v2/hook/H-789",
    }
    return Channel.objects.create(
        kind=kind, name=name or f"{kind} 群", webhook_url=robot.url(paths[kind]), secret=secret, org_unit=org_unit
    )


def _alert_url(alert) -> str:
    return f"{BASE}/alerts/{alert.pk}/"


TITLE = "【预警】新生报到率：软件技术（发出预警）"


# ------------------------------------------------------------------------------------------ formats


def test_wecom_robot_gets_a_markdown_message_with_the_alerts_facts(robot, indicator):
    _channel(robot, "wecom")
    alert = _raise(indicator)

    assert deliveries_send_due(now=NOW) == {"sent": 1, "failed": 0, "gave_up": 0, "cancelled": 0}

    (req,) = robot.requests
    assert req["path"] == "/wecom/cgi-bin/webhook/send" and req["query"] == {"key": "K-123"}
    assert req["content_type"].startswith("application/json")
    body = req["body"]
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    lines = content.split("\n")
    assert lines[0] == f'### <font color="warning">{TITLE}</font>'
    assert "> 指标：新生报到率（T-BDL）" in lines
    assert "> 对象：软件技术（专业）" in lines
    assert "> 周期：2025-2026" in lines
    assert "> 监测值：82.0%" in lines
    assert "> 阈值：标准 ≥ 80%，预警 ≥ 85%" in lines
    assert "> 状态：待处理" in lines
    assert "> 责任部门：信息工程系" in lines
    assert "> 责任人：张伟" in lines
    assert "> 处理时限：2025-10-22 10:00" in lines
    assert lines[-1] == f"[查看预警详情]({_alert_url(alert)})"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_dingtalk_robot_signs_the_url_and_sends_markdown_with_title_and_text(robot, indicator):
    secret = "SEC0123456789abcdef"
    _channel(robot, "dingtalk", secret=secret)
    alert = _raise(indicator)

    deliveries_send_due(now=NOW)

    (req,) = robot.requests
    timestamp = "1759888800000"  # 2025-10-08 10:00 Asia/Shanghai, in milliseconds
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert req["path"] == "/dingtalk/robot/send"
    assert req["query"] == {"access_token": "T-456", "timestamp": timestamp, "sign": expected}
    # The sign travels URL-encoded (Base64 has + / =).
    assert req["raw_query"].endswith("&sign=" + urllib.parse.quote_plus(expected))
    body = req["body"]
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == TITLE  # contains 预警, the keyword robots may require
    text = body["markdown"]["text"].split("\n")
    assert text[0] == f"### {TITLE}"
    assert "- **监测值**：82.0%" in text and "- **处理时限**：2025-10-22 10:00" in text
    assert text[-1] == f"[查看预警详情]({_alert_url(alert)})"


def test_feishu_robot_gets_a_signed_interactive_card(robot, indicator):
    secret = "fs-secret-xyz"
    _channel(robot, "feishu", secret=secret)
    alert = _raise(indicator, outcome="failed", value=0.7)

    deliveries_send_due(now=NOW)

    (req,) = robot.requests
    body = req["body"]
    assert req["path"] == "/feishu/open-apis/bot/v2/hook/H-789" and req["query"] == {}
    assert set(body) == {"timestamp", "sign", "msg_type", "card"}
    assert body["timestamp"] == "1759888800"  # seconds
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert set(card) == {"config", "header", "elements"}
    assert card["config"] == {"wide_screen_mode": True}
    assert card["header"] == {
        "title": {"tag": "plain_text", "content": "【未达标】新生报到率：软件技术（发出预警）"},
        "template": "red",
    }
    fields, *rest, action = card["elements"]
    assert fields["tag"] == "div"
    by_label = {}
    for f in fields["fields"]:
        assert set(f) == {"is_short", "text"} and isinstance(f["is_short"], bool)
        assert f["text"]["tag"] == "lark_md"
        label, value = f["text"]["content"].split("\n", 1)
        by_label[label] = value
    assert by_label["**指标**"] == "新生报到率（T-BDL）"
    assert by_label["**监测值**"] == "70.0%"
    assert by_label["**阈值**"] == "标准 ≥ 80%，预警 ≥ 85%"
    assert by_label["**处理时限**"] == "2025-10-15 10:00"  # 未达标: 7 days
    assert rest == [{"tag": "div", "text": {"tag": "lark_md", "content": alert.events.get().note}}]
    assert action == {
        "tag": "action",
        "actions": [
            {
                "tag": "button",
                "text": {"tag": "plain_text", "content": "查看预警详情"},
                "type": "primary",
                "url": _alert_url(alert),
            }
        ],
    }


def test_feishu_older_statuscode_answer_counts_as_success(robot, indicator):
    _channel(robot, "feishu")
    robot.answers.append(("json", 200, {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}))
    _raise(indicator)
    assert deliveries_send_due(now=NOW)["sent"] == 1
    assert "sign" not in robot.requests[0]["body"]  # no secret, no signature fields


def test_a_robot_gets_the_due_messages_of_several_alerts_as_one_summary(robot, indicator):
    _channel(robot, "wecom")
    a = _raise(indicator, major="510203", name="软件技术")
    b = _raise(indicator, major="510202", name="计算机网络技术")
    c = _raise(indicator, major="520201", name="护理", unit="hlx", outcome="failed", value=0.7)

    assert deliveries_send_due(now=NOW)["sent"] == 3

    (req,) = robot.requests
    content = req["body"]["markdown"]["content"]
    lines = content.split("\n")
    assert lines[0] == "### 诊改平台预警通知：3 条预警有新情况"
    for alert in (a, b, c):
        assert f"({_alert_url(alert)})" in content
    assert "[【未达标】新生报到率：护理（发出预警）]" in content
    assert '> <font color="comment">监测值：70.0%；处理时限：2025-10-15 10:00</font>' in lines


def test_a_long_summary_lists_the_first_alerts_and_counts_the_rest():
    payloads = [
        Message(title=f"【预警】指标{i}：对象{i}（发出预警）", event="发出预警", level="warn", fields=(), url=f"/a/{i}")
        for i in range(LIST_LIMIT + 5)
    ]
    payloads = [m.as_payload() for m in payloads]
    wecom = CHANNELS["wecom"].build(payloads)["markdown"]["content"]
    ding = CHANNELS["dingtalk"].build(payloads)["markdown"]
    card = CHANNELS["feishu"].build(payloads)["card"]
    assert wecom.count("](/a/") == LIST_LIMIT and wecom.endswith("另有 5 条，请登录诊改平台查看")
    assert ding["title"] == f"诊改平台预警通知：{LIST_LIMIT + 5} 条预警有新情况"
    assert ding["text"].count("](/a/") == LIST_LIMIT and ding["text"].endswith("另有 5 条，请登录诊改平台查看")
    assert card["elements"][0]["text"]["content"].endswith("另有 5 条，请登录诊改平台查看")


def test_a_wecom_message_is_cut_to_the_documented_4096_bytes():
    long = Message(title="【预警】长", event="", level="warn", fields=(("说明", "很长的内容" * 600),), url="/a/1")
    content = CHANNELS["wecom"].build([long.as_payload()])["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and content.endswith("（内容过长，已截断）")


def test_a_units_robot_hears_only_about_that_units_alerts(robot, indicator, cast):
    nursing = _channel(robot, "wecom", org_unit=cast.dept_b, name="护理系群")
    college = _channel(robot, "dingtalk", name="质控群")
    _raise(indicator)  # 软件技术, 信息工程系
    assert list(Delivery.objects.values_list("channel", flat=True)) == [college.pk]
    _raise(indicator, major="520201", name="护理", unit="hlx")
    assert set(Delivery.objects.values_list("channel", flat=True)) == {college.pk, nursing.pk}


# ------------------------------------------------------------------------------------------ failures


@pytest.mark.parametrize(
    ("kind", "answer", "error"),
    [
        ("wecom", ("json", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "企业微信返回错误 93000"),
        ("dingtalk", ("json", 200, {"errcode": 310000, "errmsg": "sign not match"}), "钉钉返回错误 310000"),
        ("feishu", ("json", 200, {"code": 19021, "msg": "sign match fail"}), "飞书返回错误 19021"),
        ("feishu", ("json", 200, {"StatusCode": 9499, "StatusMessage": "Bad Request"}), "飞书返回错误 9499"),
        ("wecom", ("json", 500, {"error": "boom"}), "HTTP 500"),
        ("dingtalk", ("hang",), "超时"),
    ],
)
def test_an_error_answer_an_http_error_or_a_timeout_is_a_failure_retried_later(robot, indicator, kind, answer, error):
    _channel(robot, kind, secret="s" if kind != "wecom" else "")
    robot.answers.append(answer)
    _raise(indicator)

    counts = deliveries_send_due(now=NOW, timeout=0.5)

    assert counts == {"sent": 0, "failed": 1, "gave_up": 0, "cancelled": 0}
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.FAILED and d.get_status_display() == "发送失败，等待重试"
    assert d.attempts == 1 and error in d.last_error
    assert d.next_attempt_at == NOW + dt.timedelta(minutes=1)


def test_failed_deliveries_are_retried_on_a_backoff_then_given_up(robot, indicator):
    _channel(robot, "wecom")
    robot.answers.extend([("json", 500, {})] * 10)
    _raise(indicator)
    d = Delivery.objects.get()

    moments = [NOW]
    for wait in (1, 5, 30, 120):  # minutes after each failure
        moments.append(moments[-1] + dt.timedelta(minutes=wait))
    for i, moment in enumerate(moments, 1):
        deliveries_send_due(now=moment - dt.timedelta(seconds=1))  # not yet due
        assert len(robot.requests) == i - 1
        deliveries_send_due(now=moment)
        assert len(robot.requests) == i
        d.refresh_from_db()
        assert d.attempts == i

    assert MAX_ATTEMPTS == 5
    assert d.status == DeliveryStatus.GAVE_UP and d.get_status_display() == "多次失败，已放弃"
    assert d.next_attempt_at is None and "HTTP 500" in d.last_error
    deliveries_send_due(now=moments[-1] + dt.timedelta(days=1))
    assert len(robot.requests) == 5  # given up: never sent again


def test_a_retry_is_signed_afresh(robot, indicator):
    secret = "SECretry"
    _channel(robot, "dingtalk", secret=secret)
    robot.answers.append(("json", 200, {"errcode": 130101, "errmsg": "send too fast"}))
    _raise(indicator)

    deliveries_send_due(now=NOW)
    later = NOW + dt.timedelta(minutes=1)
    assert deliveries_send_due(now=later)["sent"] == 1

    first, second = robot.requests
    assert first["query"]["timestamp"] == "1759888800000" and second["query"]["timestamp"] == "1759888860000"
    ts = second["query"]["timestamp"]
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert second["query"]["sign"] == base64.b64encode(digest).decode()
    assert first["body"] == second["body"]


def test_a_delivery_is_sent_once_even_when_two_workers_hold_it(robot, indicator):
    _channel(robot, "feishu")
    _raise(indicator)
    first_worker = Delivery.objects.get()
    second_worker = Delivery.objects.get()  # read before the first worker claimed it

    delivery_send(delivery=first_worker, now=NOW)
    delivery_send(delivery=second_worker, now=NOW)

    assert len(robot.requests) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_disabled_channel_gets_nothing_and_its_messages_are_cancelled(robot, indicator):
    channel = _channel(robot, "wecom")
    _raise(indicator)
    channel.enabled = False
    channel.save()

    assert deliveries_send_due(now=NOW)["cancelled"] == 1
    assert robot.requests == [] and Delivery.objects.get().status == DeliveryStatus.CANCELLED


def test_the_registry_has_a_channel_for_every_robot_kind_and_email():
    assert set(CHANNELS) == {"email", "wecom", "dingtalk", "feishu"}
    assert {k for k, c in CHANNELS.items() if c.robot} == set(Channel.Kind.values)
