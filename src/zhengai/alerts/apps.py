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

        EVALUATION_FINISHED.connect(alerts_on_evaluation)
