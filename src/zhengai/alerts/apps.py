from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "zhengai.alerts"
    label = "alerts"
    verbose_name = "监测预警"

    def ready(self) -> None:
        from zhengai.alerts.services import alerts_on_evaluation
        from zhengai.lib.hooks import EVALUATION_FINISHED

        EVALUATION_FINISHED.connect(alerts_on_evaluation)
