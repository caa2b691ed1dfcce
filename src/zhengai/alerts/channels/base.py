"""What every channel shares: the message content, the delivery error, and one JSON POST.

A message is kept as plain data (`Message`, stored as a dict in `Delivery.payload`); each channel
turns one or several of them into its own wire format when it sends, so a retry an hour later is
built and signed afresh.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Seconds to wait for a robot's answer (and for the mail server); a hung webhook must not hold the worker.
TIMEOUT = 10.0

# How many alerts one robot message lists before it says “另有 N 条”.
LIST_LIMIT = 15


class DeliveryError(Exception):
    """The channel did not take the message; the message (Chinese) says why. The delivery is retried."""


@dataclass(frozen=True)
class Message:
    """One alert state, as every channel shows it."""

    title: str  # 【未达标·红色】课程通过率：程序设计基础（发出预警）
    event: str  # 发出预警
    level: str  # failed | warn | ok — the colour of the message
    fields: tuple[tuple[str, str], ...]  # (指标, …), (对象, …), (监测值, …), (处理时限, …)
    url: str  # the alert page
    note: str = ""

    def as_payload(self) -> dict:
        return {
            "kind": "alert",
            "title": self.title,
            "event": self.event,
            "level": self.level,
            "fields": [list(f) for f in self.fields],
            "url": self.url,
            "note": self.note,
        }

    @classmethod
    def from_payload(cls, payload: dict) -> Message:
        return cls(
            title=payload["title"],
            event=payload.get("event", ""),
            level=payload.get("level", "warn"),
            fields=tuple((str(k), str(v)) for k, v in payload.get("fields", [])),
            url=payload.get("url", ""),
            note=payload.get("note", ""),
        )


@dataclass(frozen=True)
class Digest:
    """The day's notifications of one user, in one email."""

    date: str
    items: tuple[Message, ...]
    url: str  # the platform, for “see all”

    def as_payload(self) -> dict:
        return {"kind": "digest", "date": self.date, "url": self.url, "items": [m.as_payload() for m in self.items]}

    @classmethod
    def from_payload(cls, payload: dict) -> Digest:
        return cls(
            date=payload["date"],
            items=tuple(Message.from_payload(i) for i in payload.get("items", [])),
            url=payload.get("url", ""),
        )


Sender = Callable[..., None]


@dataclass(frozen=True)
class ChannelType:
    """A kind of channel: how it builds a request body from payloads, and how it sends one."""

    kind: str
    label: str
    robot: bool  # robots take several alert messages in one; email takes one payload (alert or digest)
    build: Callable[[Sequence[dict]], dict]
    send: Sender  # send(*, target, secret, body, timeout, now) -> None, raises DeliveryError


def post_json(url: str, body: dict, *, timeout: float) -> dict:
    """POST `body` as UTF-8 JSON and return the JSON answer; any failure is a DeliveryError."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DeliveryError(f"等待 {timeout:g} 秒无响应（超时）") from exc
        raise DeliveryError(f"无法连接：{reason}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"等待 {timeout:g} 秒无响应（超时）") from exc
    except OSError as exc:
        raise DeliveryError(f"连接出错：{exc}") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeliveryError(f"返回的不是 JSON：{raw[:200]!r}") from exc
    if not isinstance(answer, dict):
        raise DeliveryError(f"返回内容无法识别：{answer!r:.200}")
    return answer


def fit_bytes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes (robots refuse longer messages), marking the cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    mark = "\n……（内容过长，已截断）"
    room = limit - len(mark.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut + mark


def split_items(payloads: Sequence[dict]) -> tuple[list[Message], int]:
    """The messages to list in one robot message, and how many more there are."""
    messages = [Message.from_payload(p) for p in payloads]
    return messages[:LIST_LIMIT], max(0, len(messages) - LIST_LIMIT)


def summary_title(count: int) -> str:
    return f"诊改平台预警通知：{count} 条预警有新情况"


def brief(message: Message) -> str:
    """The line under an alert in a list: its value and deadline."""
    return "；".join(f"{k}：{v}" for k, v in message.fields if k in ("监测值", "处理时限"))
