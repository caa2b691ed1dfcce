"""企业微信群机器人 (WeCom group robot)."""

from zhengai.alerts.channels.base import ChannelType
from zhengai.alerts.channels.wecom.message import build
from zhengai.alerts.channels.wecom.sender import send

CHANNEL = ChannelType(kind="wecom", label="企业微信群机器人", robot=True, build=build, send=send)
