"""飞书自定义机器人 message: msg_type interactive (a message card).

Format followed: 飞书开放平台《自定义机器人使用指南》
https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (also at
https://open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN): a webhook request is
``{"msg_type": "interactive", "card": {...}}`` (the card as an object, not a string as in the
im/v1 message API), at most 20 KB. The card (《卡片 JSON 结构》, message-card overview
https://open.larkoffice.com/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message-card/overview):
``config.wide_screen_mode``, ``header.title`` {tag plain_text, content} with ``header.template`` the
colour, and ``elements``: ``div`` with ``fields`` ({is_short, text {tag lark_md, content}}), ``div``
with ``text``, ``hr``, and ``action`` with a ``button`` that opens ``url``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhengai.alerts.channels.base import Message, brief, split_items, summary_title

TEMPLATE = {"failed": "red", "warn": "orange", "ok": "green"}


def _button(url: str, text: str = "查看预警详情") -> dict:
    return {
        "tag": "action",
        "actions": [{"tag": "button", "text": {"tag": "plain_text", "content": text}, "type": "primary", "url": url}],
    }


def _one(message: Message) -> dict:
    fields = [
        {"is_short": len(value) <= 24, "text": {"tag": "lark_md", "content": f"**{label}**\n{value}"}}
        for label, value in message.fields
    ]
    elements: list[dict] = [{"tag": "div", "fields": fields}]
    if message.note:
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": message.note}})
    elements.append(_button(message.url))
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text", "content": message.title},
            "template": TEMPLATE.get(message.level, "blue"),
        },
        "elements": elements,
    }


def _many(messages: list[Message], more: int, total: int) -> dict:
    lines = []
    for m in messages:
        lines.append(f"[{m.title}]({m.url})" + (f"\n{brief(m)}" if brief(m) else ""))
    if more:
        lines.append(f"另有 {more} 条，请登录诊改平台查看")
    worst = "failed" if any(m.level == "failed" for m in messages) else "warn"
    return {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": summary_title(total)}, "template": TEMPLATE[worst]},
        "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "\n\n".join(lines)}}],
    }


def build(payloads: Sequence[dict]) -> dict:
    messages, more = split_items(payloads)
    card = _one(messages[0]) if len(payloads) == 1 else _many(messages, more, len(payloads))
    return {"msg_type": "interactive", "card": card}
