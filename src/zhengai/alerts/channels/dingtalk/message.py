"""钉钉自定义机器人 message: msgtype markdown.

Format followed: 钉钉开放平台《自定义机器人发送消息的消息类型》
https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type —
``{"msgtype": "markdown", "markdown": {"title": "...", "text": "..."}}``: ``title`` is what the
conversation list shows, ``text`` the markdown (headings, bold, lists, quotes, links). A robot set
up with 自定义关键词 only accepts messages containing one: every title contains “预警”.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhengai.alerts.channels.base import Message, brief, split_items, summary_title


def _one(message: Message) -> str:
    lines = [f"### {message.title}", ""]
    lines += [f"- **{label}**：{value}" for label, value in message.fields]
    if message.note:
        lines += ["", f"> {message.note}"]
    lines += ["", f"[查看预警详情]({message.url})"]
    return "\n".join(lines)


def _many(messages: list[Message], more: int, total: int) -> str:
    lines = [f"### {summary_title(total)}", ""]
    for i, m in enumerate(messages, 1):
        lines.append(f"{i}. [{m.title}]({m.url})" + (f"  \n   {brief(m)}" if brief(m) else ""))
    if more:
        lines += ["", f"另有 {more} 条，请登录诊改平台查看"]
    return "\n".join(lines)


def build(payloads: Sequence[dict]) -> dict:
    messages, more = split_items(payloads)
    if len(payloads) == 1:
        title, text = messages[0].title, _one(messages[0])
    else:
        title, text = summary_title(len(payloads)), _many(messages, more, len(payloads))
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
