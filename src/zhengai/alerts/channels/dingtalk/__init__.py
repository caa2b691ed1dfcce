"""钉钉自定义机器人 (DingTalk custom group robot)."""

from zhengai.alerts.channels.base import ChannelType
from zhengai.alerts.channels.dingtalk.message import build
from zhengai.alerts.channels.dingtalk.sender import send

CHANNEL = ChannelType(kind="dingtalk", label="钉钉群机器人", robot=True, build=build, send=send)
