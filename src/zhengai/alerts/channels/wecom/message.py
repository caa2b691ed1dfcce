"""企业微信群机器人 message: msgtype markdown.

Format followed: 企业微信开发者中心《群机器人配置说明》(消息推送配置说明)
https://developer.work.weixin.qq.com/document/path/91770 —
``{"msgtype": "markdown", "markdown": {"content": "..."}}``; content at most 4096 bytes of UTF-8;
the markdown subset has headings, bold, links, ``>`` quotes and ``<font color="info|comment|warning">``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhengai.alerts.channels.base import Message, brief, fit_bytes, split_items, summary_title

CONTENT_LIMIT = 4096  # bytes
# The three colours the markdown knows: info green, comment grey, warning orange-red.
COLOUR = {"failed": "warning", "warn": "warning", "ok": "info"}


def _one(message: Message) -> str:
    colour = COLOUR.get(message.level, "comment")
    lines = [f'### <font color="{colour}">{message.title}</font>']
    lines += [f"> {label}：{value}" for label, value in message.fields]
    if message.note:
        lines.append(f'> 说明：<font color="comment">{message.note}</font>')
    lines.append(f"[查看预警详情]({message.url})")
    return "\n".join(lines)


def _many(messages: list[Message], more: int, total: int) -> str:
    lines = [f"### {summary_title(total)}"]
    for m in messages:
        lines.append(f"[{m.title}]({m.url})")
        if brief(m):
            lines.append(f'> <font color="comment">{brief(m)}</font>')
    if more:
        lines.append(f"另有 {more} 条，请登录诊改平台查看")
    return "\n".join(lines)


def build(payloads: Sequence[dict]) -> dict:
    messages, more = split_items(payloads)
    content = _one(messages[0]) if len(payloads) == 1 else _many(messages, more, len(payloads))
    return {"msgtype": "markdown", "markdown": {"content": fit_bytes(content, CONTENT_LIMIT)}}
