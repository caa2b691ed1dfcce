"""Email to one user: a message per alert state, or the day's digest."""

from zhengai.alerts.channels.base import ChannelType
from zhengai.alerts.channels.email.message import build
from zhengai.alerts.channels.email.sender import send

CHANNEL = ChannelType(kind="email", label="邮件", robot=False, build=build, send=send)
