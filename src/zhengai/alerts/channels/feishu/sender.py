"""POST to the robot's webhook (https://open.feishu.cn/open-apis/bot/v2/hook/…), signed when a
secret is set.

签名校验, as the same page (《自定义机器人使用指南》, 为自定义机器人添加安全设置 › 签名校验)
describes it: ``f"{timestamp}\\n{secret}"`` is the HmacSHA256 *key* and the message is empty;
the digest is Base64-encoded. ``timestamp`` is in seconds, within an hour of Feishu's clock, and
both go into the request body as ``"timestamp"`` and ``"sign"``. Success is ``{"code": 0, "msg":
"success"}`` (older answers: ``{"StatusCode": 0, "StatusMessage": "success"}``); any other code
(19021 signature mismatch, 19024 keyword missing, 11232 rate limit) is a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from zhengai.alerts.channels.base import DeliveryError, post_json
from zhengai.lib import clock


def sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def send(*, target: str, secret: str, body: dict, timeout: float, now: dt.datetime | None = None) -> None:
    if secret:
        timestamp = int((now or clock.now()).timestamp())
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **body}
    answer = post_json(target, body, timeout=timeout)
    code = answer.get("code", answer.get("StatusCode"))
    if code != 0:
        message = answer.get("msg") or answer.get("StatusMessage") or answer
        raise DeliveryError(f"飞书返回错误 {code}：{message}")
