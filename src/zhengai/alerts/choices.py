"""Code lists of alerts, with their Chinese labels and display colours."""

from django.db import models


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    IN_PROGRESS = "in_progress", "整改中"
    VERIFYING = "verifying", "待验证"
    CLOSED = "closed", "已关闭"
    IGNORED = "ignored", "已忽略"
    LAPSED = "lapsed", "对象已不在册"

    @property
    def badge(self) -> str:
        return {
            "open": "bg-red",
            "acknowledged": "bg-orange",
            "in_progress": "bg-yellow",
            "verifying": "bg-blue",
            "closed": "bg-green",
            "ignored": "bg-secondary",
            "lapsed": "bg-secondary",
        }[self.value]


ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.IN_PROGRESS, AlertStatus.VERIFYING)


class Severity(models.TextChoices):
    WARN = "warn", "预警"
    FAILED = "failed", "未达标"

    @property
    def badge(self) -> str:
        return {"warn": "bg-orange", "failed": "bg-red"}[self.value]


class EventKind(models.TextChoices):
    OPENED = "opened", "发出预警"
    VALUE = "value", "监测值更新"
    ROUTED = "routed", "分派"
    ACKNOWLEDGED = "acknowledged", "确认"
    FCA = "fca", "填写事实-原因-措施"
    STARTED = "started", "开始整改"
    COMMENT = "comment", "评论"
    ATTACHMENT = "attachment", "上传附件"
    ASSIGNED = "assigned", "指派"
    DONE = "done", "整改完成，待验证"
    RECOVERED = "recovered", "数据恢复正常"
    RELAPSED = "relapsed", "数据再次异常"
    CLOSED = "closed", "关闭"
    REOPENED = "reopened", "重新打开"
    ESCALATED = "escalated", "超期升级"
    IGNORE_REQUESTED = "ignore_requested", "申请忽略"
    IGNORE_REJECTED = "ignore_rejected", "驳回忽略申请"
    IGNORED = "ignored", "忽略"
    SIGNAL = "signal", "新增信号"
    PLAN = "plan", "制定帮扶计划（一人一策）"
    FOLLOW_UP = "follow_up", "帮扶跟进"
    SIGNAL_RECOVERED = "signal_recovered", "信号恢复正常"
    LAPSED = "lapsed", "对象已不在册，自动结束"


class Tier(models.TextChoices):
    """Colour tiers of an alert (学业预警 and the like); the labels match the indicators' tier names."""

    BLUE = "蓝色", "蓝色"
    YELLOW = "黄色", "黄色"
    ORANGE = "橙色", "橙色"
    RED = "红色", "红色"


class ItemKind(models.TextChoices):
    """A worklist item: an alert for the accountable unit or person, or a student's case of the term."""

    ALERT = "alert", "预警事项"
    CASE = "case", "学生预警"


class PolicyMode(models.TextChoices):
    """What an out-of-range measurement (a signal) of an indicator does."""

    ALERT = "alert", "预警（发给责任部门或责任人）"
    CASE = "case", "汇总（并入对象本学期的学生预警）"
    MONITOR = "monitor", "仅监测（只记录）"


# The order of severity in worklists, worst first.
SEVERITY_RANK = {"failed": 2, "warn": 1}
TIER_RANK = {"红色": 4, "橙色": 3, "黄色": 2, "蓝色": 1}
