"""飞书自定义机器人 (Feishu / Lark custom group robot)."""

from zhengai.alerts.channels.base import ChannelType
from zhengai.alerts.channels.feishu.message import build
from zhengai.alerts.channels.feishu.sender import send

CHANNEL = ChannelType(kind="feishu", label="飞书群机器人", robot=True, build=build, send=send)
