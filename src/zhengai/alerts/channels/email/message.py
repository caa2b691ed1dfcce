"""The email for one alert state, and the daily digest: a subject and a plain-text body."""

from __future__ import annotations

from collections.abc import Sequence

from zhengai.alerts.channels.base import Digest, Message, brief

FOOTER = (
    "——\n诊改平台（本邮件由系统自动发送，请勿回复）\n"
    "可在平台的“通知设置”中关闭邮件通知、改为每日汇总，或设置免打扰时段。"
)


def _alert(message: Message) -> dict:
    lines = [message.title, ""]
    lines += [f"{label}：{value}" for label, value in message.fields]
    if message.note:
        lines += ["", f"说明：{message.note}"]
    lines += ["", f"查看预警详情：{message.url}", "", FOOTER]
    return {"subject": f"[诊改平台] {message.title}", "text": "\n".join(lines)}


def _digest(digest: Digest) -> dict:
    n = len(digest.items)
    lines = [f"以下是截至 {digest.date} 汇总的 {n} 条预警通知：", ""]
    for i, m in enumerate(digest.items, 1):
        lines.append(f"{i}. {m.title}")
        if brief(m):
            lines.append(f"   {brief(m)}")
        lines += [f"   {m.url}", ""]
    lines += [f"登录诊改平台查看全部：{digest.url}", "", FOOTER]
    return {"subject": f"[诊改平台] 预警每日汇总（{digest.date}，共 {n} 条）", "text": "\n".join(lines)}


def build(payloads: Sequence[dict]) -> dict:
    (payload,) = payloads  # an email is never merged with another
    if payload.get("kind") == "digest":
        return _digest(Digest.from_payload(payload))
    return _alert(Message.from_payload(payload))
