"""POST to the robot's webhook (https://oapi.dingtalk.com/robot/send?access_token=…), signed when a
secret is set.

加签, as 钉钉开放平台《自定义机器人安全设置》 describes it
(https://open.dingtalk.com/document/orgapp/customize-robot-security-settings): the string to sign is
``f"{timestamp}\\n{secret}"`` with ``timestamp`` in milliseconds; HmacSHA256 keyed with the secret,
Base64, then URL-encoded; ``&timestamp=…&sign=…`` is appended to the webhook URL. The timestamp
must be within an hour of the server's clock, so every attempt signs anew. Success is
``{"errcode": 0, "errmsg": "ok"}``; any other errcode (310000 keyword or signature mismatch, 130101
too fast) is a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

from zhengai.alerts.channels.base import DeliveryError, post_json
from zhengai.lib import clock


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, now: dt.datetime) -> str:
    timestamp_ms = int(now.timestamp() * 1000)
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def send(*, target: str, secret: str, body: dict, timeout: float, now: dt.datetime | None = None) -> None:
    url = signed_url(target, secret, now or clock.now()) if secret else target
    answer = post_json(url, body, timeout=timeout)
    if answer.get("errcode") != 0:
        raise DeliveryError(f"钉钉返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")
