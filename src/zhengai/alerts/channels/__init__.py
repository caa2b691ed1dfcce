"""Notification channels: email, and the group robots of 企业微信, 钉钉 and 飞书.

One sub-package per channel, each with a message builder (`message.py`: payloads → the channel's
request body) and a sender (`sender.py`: posts it, raises DeliveryError when it is not taken).
`CHANNELS` maps a channel kind (`Delivery.channel_kind`, `Channel.kind`) to its type.
"""

from __future__ import annotations

from zhengai.alerts.channels import dingtalk, email, feishu, wecom
from zhengai.alerts.channels.base import TIMEOUT, ChannelType, DeliveryError, Digest, Message

CHANNELS: dict[str, ChannelType] = {c.kind: c for c in (email.CHANNEL, wecom.CHANNEL, dingtalk.CHANNEL, feishu.CHANNEL)}

__all__ = ["CHANNELS", "TIMEOUT", "ChannelType", "DeliveryError", "Digest", "Message"]
