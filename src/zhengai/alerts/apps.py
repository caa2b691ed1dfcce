import datetime as dt

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "zhengai.alerts"
    label = "alerts"
    verbose_name = "监测预警"

    def ready(self) -> None:
        from zhengai.alerts.worklist import status_line
        from zhengai.lib import status

        status.register("worklist", status_line, order=30)
        from zhengai.alerts.services import alerts_on_evaluation
        from zhengai.lib.hooks import EVALUATION_FINISHED
        from zhengai.scheduler.registry import register

        EVALUATION_FINISHED.connect(alerts_on_evaluation)
        # Run by the scheduler of `zhengai worker` (and of `zhengai serve`), each called with now=.
        register(
            name="alerts.escalate_overdue",
            label="超时预警升级",
            every=dt.timedelta(minutes=5),
            func="zhengai.alerts.services.alerts_escalate_overdue",
        )
        register(
            name="alerts.deliveries_send_due",
            label="发送到期通知（含重试与免打扰结束）",
            every=dt.timedelta(seconds=30),
            func="zhengai.alerts.notifications.deliveries_send_due",
        )
        register(
            name="alerts.digests_send",
            label="每日汇总邮件",
            every=dt.timedelta(minutes=1),
            func="zhengai.alerts.notifications.digests_send",
        )
