"""POST to the robot's webhook (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…).

The answer is ``{"errcode": 0, "errmsg": "ok"}`` on success (same page as message.py); any other
errcode in a 200 answer (e.g. 45009 too many messages a minute, 93000 invalid key) is a failure.
"""

from __future__ import annotations

from zhengai.alerts.channels.base import DeliveryError, post_json


def send(*, target: str, secret: str, body: dict, timeout: float, now=None) -> None:
    answer = post_json(target, body, timeout=timeout)
    if answer.get("errcode") != 0:
        raise DeliveryError(f"企业微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")
