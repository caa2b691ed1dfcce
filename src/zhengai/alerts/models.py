"""Alerts (预警事项): one per indicator and entity while it is out of range, handled by its owner.

An alert is opened from a status change, keeps every value since it opened, and closes only after
the indicator has been back in range for a number of evaluations and a person confirms.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, EventKind, ItemKind, PolicyMode, Severity
from zhengai.alerts.privacy import default_sensitive
from zhengai.indicators.choices import EntityKind, Outcome
from zhengai.indicators.models import Indicator
from zhengai.org.models import OrgUnit, Teacher


class AlertSettings(models.Model):
    """The college's alert policy (one row; the quality office edits it)."""

    warn_days = models.PositiveSmallIntegerField("预警的处理时限（天）", default=14)
    failed_days = models.PositiveSmallIntegerField("未达标的处理时限（天）", default=7)
    red_days = models.PositiveSmallIntegerField("红色等级的处理时限（天）", default=3)
    escalate_after_days = models.PositiveSmallIntegerField("升级到部门负责人后再过几天升级到质控中心", default=3)
    recovery_evaluations = models.PositiveSmallIntegerField(
        "恢复正常的连续计算次数", default=2, help_text="指标连续几次计算都在正常范围，待验证的预警才可关闭"
    )
    quality_unit = models.CharField("质控中心部门代码", max_length=32, default="zkzx")
    daily_capacity = models.PositiveSmallIntegerField(
        "每人每天到期的事项上限",
        default=10,
        help_text="一次计算发出很多事项时，按严重程度排序后逐日错开处理时限，最严重的最先到期",
    )
    case_min_signals = models.PositiveSmallIntegerField(
        "学生预警：至少几个指标异常才发出",
        default=3,
        help_text="汇总类学生指标中，同一学生有这么多个指标异常（或任一红色等级）时才发出本学期的学生预警；"
        "不足时只记录在监测历史和学生画像中，达到后一并汇入",
    )
    class_case_share = models.PositiveSmallIntegerField(
        "班级预警：有学生预警的在读学生占比（%）",
        default=30,
        help_text="一个班级有学生预警的人数达到此比例（且不少于 5 人）时，向其系部发出一条班级预警",
    )
    sensitive = models.JSONField(
        "敏感类别的可见范围",
        default=default_sensitive,
        blank=True,
        help_text="心理、资助、一卡通消费、处分等类别对应的指标，以及可查看的角色、部门、班主任与学生本人",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警设置"
        verbose_name_plural = "预警设置"

    def __str__(self) -> str:
        return "预警设置"

    @classmethod
    def current(cls) -> AlertSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class AlertRule(models.Model):
    """A rule beyond a fixed line, stored as data: a tree of whitelisted operators (see rules.py)."""

    name = models.CharField("规则名称", max_length=64)
    indicator = models.ForeignKey(Indicator, verbose_name="指标", related_name="alert_rules", on_delete=models.CASCADE)
    definition = models.JSONField("规则定义")
    severity = models.CharField("严重程度", max_length=16, choices=Severity.choices, default=Severity.WARN)
    enabled = models.BooleanField("启用", default=True)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_error = models.TextField("最近一次无法计算的原因", blank=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["indicator", "name"]

    def __str__(self) -> str:
        return self.name


class AlertPolicy(models.Model):
    """What a signal of one indicator does: 预警, 汇总 into the student's case, or 仅监测. No row = the default."""

    indicator = models.OneToOneField(
        Indicator, verbose_name="指标", related_name="alert_policy", on_delete=models.CASCADE
    )
    mode = models.CharField("处理方式", max_length=16, choices=PolicyMode.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "指标预警方式"
        verbose_name_plural = "指标预警方式"

    def __str__(self) -> str:
        return f"{self.indicator.name}：{self.get_mode_display()}"


class Alert(models.Model):
    """A worklist item: an alert on one indicator and entity, or a student's case bundling signals."""

    kind = models.CharField("类别", max_length=8, choices=ItemKind.choices, default=ItemKind.ALERT)
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", null=True, blank=True, related_name="alerts", on_delete=models.CASCADE
    )
    rule = models.ForeignKey(
        AlertRule, verbose_name="规则", null=True, blank=True, related_name="alerts", on_delete=models.SET_NULL
    )
    rule_key = models.CharField("规则键", max_length=32, blank=True, help_text="空 = 阈值预警；rule:<id> = 规则预警")
    entity_kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices)
    entity_key = models.CharField("对象代码", max_length=64)
    entity_name = models.CharField("对象名称", max_length=128, blank=True)
    org_unit_code = models.CharField("对象所属部门代码", max_length=32, blank=True, db_index=True)
    status = models.CharField("状态", max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    severity = models.CharField("当前严重程度", max_length=16, choices=Severity.choices)
    tier = models.CharField("当前等级", max_length=16, blank=True)
    worst_severity = models.CharField("最严重程度", max_length=16, choices=Severity.choices, blank=True)
    worst_tier = models.CharField("最高等级", max_length=16, blank=True)
    period = models.CharField("触发周期", max_length=16, help_text="发出预警的周期；学生预警为学期")
    signal_count = models.PositiveSmallIntegerField("信号数", default=1)
    open_signals = models.PositiveSmallIntegerField("未恢复的信号数", default=1)
    entity_items = models.PositiveSmallIntegerField(
        "同一对象的未关闭预警数", default=1, help_text="含本项；一门课程同时有三项预警时为 3，排序时算作信号数"
    )
    distance = models.FloatField("偏离程度", default=0, help_text="与最近的阈值边界的相对距离，用于排序")
    priority = models.PositiveIntegerField(
        "优先级", default=0, db_index=True, help_text="越大越靠前（严重程度、等级、信号数、偏离程度）"
    )
    unverified = models.BooleanField("阈值未核实", default=False)
    opened_value = models.FloatField("发出时的监测值", null=True, blank=True)
    last_value = models.FloatField("最新监测值", null=True, blank=True)
    last_outcome = models.CharField("最新结果", max_length=16, choices=Outcome.choices)
    recovered_evaluations = models.PositiveSmallIntegerField("连续正常的计算次数", default=0)
    owner_unit = models.ForeignKey(
        OrgUnit, verbose_name="责任部门", null=True, blank=True, related_name="alerts", on_delete=models.SET_NULL
    )
    informed_unit = models.ForeignKey(
        OrgUnit, verbose_name="指标责任部门", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    owner_teacher = models.ForeignKey(
        Teacher, verbose_name="责任人", null=True, blank=True, related_name="alerts", on_delete=models.SET_NULL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指派给",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    route_note = models.CharField("分派依据", max_length=200, blank=True)
    deadline = models.DateTimeField("处理时限")
    escalation_level = models.PositiveSmallIntegerField(
        "升级级别", default=0, help_text="0 责任人，1 部门负责人，2 质控中心"
    )
    fact = models.TextField("事实", blank=True)
    cause = models.TextField("原因", blank=True)
    action = models.TextField("措施", blank=True)
    support_plan = models.TextField("帮扶计划（一人一策）", blank=True)
    ignore_reason = models.TextField("忽略理由", blank=True)
    ignore_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请忽略人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    opened_at = models.DateTimeField("发出时间")
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    done_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField("重新打开次数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警事项"
        verbose_name_plural = "预警事项"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "entity_key", "rule_key"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="one_active_alert_per_indicator_entity_rule",
            ),
            models.UniqueConstraint(
                fields=["entity_key", "period"], condition=Q(kind="case"), name="one_case_per_student_term"
            ),
        ]
        indexes = [models.Index(fields=["status", "org_unit_code"]), models.Index(fields=["entity_kind", "entity_key"])]

    def __str__(self) -> str:
        what = self.indicator.name if self.indicator_id else ItemKind(self.kind).label
        return f"{what}：{self.entity_name or self.entity_key}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_case(self) -> bool:
        return self.kind == ItemKind.CASE

    @property
    def subject(self) -> str:
        """What the item is about, as its title says it: the indicator, or 学生预警 with its signals."""
        if self.indicator_id:
            return self.indicator.name
        if self.rule_key == "cases":
            return f"班级学生预警集中（{self.open_signals} 人）"
        return f"{ItemKind(self.kind).label}（{self.open_signals} 个信号）"


class AlertSignal(models.Model):
    """One indicator out of range for the entity of a case (学生预警): the case bundles them."""

    alert = models.ForeignKey(Alert, verbose_name="学生预警", related_name="signals", on_delete=models.CASCADE)
    indicator = models.ForeignKey(Indicator, verbose_name="指标", related_name="+", on_delete=models.CASCADE)
    period = models.CharField("触发周期", max_length=16)
    value = models.FloatField("触发时的监测值", null=True, blank=True)
    outcome = models.CharField("触发时的结果", max_length=16, choices=Outcome.choices)
    tier = models.CharField("等级", max_length=16, blank=True)
    last_period = models.CharField("最新周期", max_length=16, blank=True)
    last_value = models.FloatField("最新监测值", null=True, blank=True)
    last_outcome = models.CharField("最新结果", max_length=16, choices=Outcome.choices)
    unverified = models.BooleanField("阈值未核实", default=False)
    distance = models.FloatField("偏离程度", default=0)
    opened_at = models.DateTimeField("发出时间")
    recovered_at = models.DateTimeField("恢复时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警信号"
        verbose_name_plural = "预警信号"
        ordering = ["recovered_at", "-outcome", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["alert", "indicator"], name="one_signal_per_case_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.period}"

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None


class AlertValue(models.Model):
    """Every value the alert's indicator took for its entity since the alert opened."""

    alert = models.ForeignKey(Alert, verbose_name="预警事项", related_name="values", on_delete=models.CASCADE)
    period = models.CharField("周期", max_length=16)
    value = models.FloatField("监测值", null=True, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    tier = models.CharField("等级", max_length=16, blank=True)
    run_id = models.PositiveBigIntegerField("计算批次", null=True, blank=True)
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "预警监测值"
        verbose_name_plural = "预警监测值"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.period} {self.value}"


class AlertEvent(models.Model):
    """The handling log: every state change, note, assignment and attachment."""

    alert = models.ForeignKey(Alert, verbose_name="预警事项", related_name="events", on_delete=models.CASCADE)
    kind = models.CharField("事件", max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    from_status = models.CharField("原状态", max_length=16, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=AlertStatus.choices, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    attachment = models.FileField("附件", upload_to="alerts/%Y/%m/", blank=True)
    shared = models.BooleanField("对象本人可见", default=False, help_text="处理记录默认仅内部可见")
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "预警处理记录"
        verbose_name_plural = "预警处理记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Channel(models.Model):
    """A group robot of 企业微信 / 钉钉 / 飞书 for one unit, or for the whole college.

    It gets one message per alert state for the unit's alerts (college-wide: every alert). Email is
    not a channel row: it goes to each recipient's own address, as their preference allows.
    """

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        FEISHU = "feishu", "飞书群机器人"

    kind = models.CharField("渠道", max_length=16, choices=Kind.choices)  # a key of alerts.channels.CHANNELS
    name = models.CharField("名称", max_length=64)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="所属部门", null=True, blank=True, help_text="空 = 全校", on_delete=models.CASCADE
    )
    webhook_url = models.URLField("Webhook 地址", max_length=500, help_text="在群设置里添加“自定义机器人”后复制的地址")
    secret = models.CharField(
        "加签密钥",
        max_length=200,
        blank=True,
        help_text="钉钉“加签”或飞书“签名校验”的密钥；企业微信不需要。用关键词校验时请把“预警”设为关键词",
    )
    enabled = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知渠道"
        verbose_name_plural = "通知渠道"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class NotificationPreference(models.Model):
    """How one user wants to hear about alerts besides the inbox. No row = the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", related_name="notification_preference", on_delete=models.CASCADE
    )
    email = models.BooleanField("邮件通知", default=True)
    daily_digest = models.BooleanField("每日汇总（不逐条发送）", default=False)
    digest_time = models.TimeField("每日汇总发送时间", default=dt.time(8, 0))
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True, help_text="可跨午夜，如 22:00 至 07:00")

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"

    def __str__(self) -> str:
        return f"{self.user} 的通知偏好"

    @classmethod
    def for_user(cls, user) -> NotificationPreference:
        """The user's row, or the defaults (unsaved) when they never changed anything."""
        return cls.objects.filter(user=user).first() or cls(user=user)


class Notification(models.Model):
    """One message to one user about one alert (the in-app inbox)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", related_name="notifications", on_delete=models.CASCADE
    )
    alert = models.ForeignKey(
        Alert, verbose_name="预警事项", null=True, blank=True, related_name="notifications", on_delete=models.CASCADE,
        help_text="空 = 其他事项的提醒（如逾期的任务），见 link",
    )  # fmt: skip
    link = models.CharField("链接", max_length=300, blank=True, help_text="站内地址：非预警的提醒打开这里")
    event = models.ForeignKey(AlertEvent, verbose_name="事件", null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    state_key = models.CharField("状态键", max_length=64, help_text="预警状态未变时不重复通知")
    created_at = models.DateTimeField("时间", db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    digest_pending = models.BooleanField("待每日汇总", default=False)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "alert", "state_key"], name="one_notification_per_state"),
            models.UniqueConstraint(
                fields=["user", "state_key"], condition=Q(alert__isnull=True), name="one_notice_per_state"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败，等待重试"
    GAVE_UP = "gave_up", "多次失败，已放弃"
    CANCELLED = "cancelled", "已取消"

    @property
    def badge(self) -> str:
        return {
            "pending": "bg-secondary",
            "sending": "bg-blue",
            "sent": "bg-green",
            "failed": "bg-orange",
            "gave_up": "bg-red",
            "cancelled": "bg-secondary",
        }[self.value]


class Delivery(models.Model):
    """One message through one channel, with its attempts: an email to a user (one alert state, or the
    day's digest) or a robot message for one alert state.

    `payload` keeps the content, not the wire format: each attempt builds and signs the request anew
    (钉钉 and 飞书 signatures expire after an hour). A worker claims a row by moving it to 发送中 with a
    lease in `next_attempt_at`; a row whose lease ran out (the worker died) is due again.
    """

    channel_kind = models.CharField("渠道", max_length=16)  # a key of alerts.channels.CHANNELS
    channel = models.ForeignKey(Channel, verbose_name="渠道配置", null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        null=True,
        blank=True,
        related_name="deliveries",
        on_delete=models.CASCADE,
    )
    notification = models.ForeignKey(
        Notification, verbose_name="通知", null=True, blank=True, related_name="deliveries", on_delete=models.CASCADE
    )
    alert = models.ForeignKey(
        Alert, verbose_name="预警事项", null=True, blank=True, related_name="deliveries", on_delete=models.CASCADE
    )
    state_key = models.CharField("状态键", max_length=64, blank=True, help_text="预警状态未变时不重复发送")
    digest_date = models.DateField("汇总日期", null=True, blank=True, help_text="每日汇总邮件：每人每天一封")
    target = models.CharField("发送对象", max_length=500)
    payload = models.JSONField("内容", default=dict)
    status = models.CharField("状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知发送"
        verbose_name_plural = "通知发送"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "alert", "state_key"],
                condition=Q(channel__isnull=False),
                name="one_robot_message_per_alert_state",
            ),
            models.UniqueConstraint(
                fields=["user", "digest_date"], condition=Q(digest_date__isnull=False), name="one_digest_per_user_day"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel_kind} → {self.target}"

    @property
    def status_badge(self) -> str:
        return DeliveryStatus(self.status).badge
