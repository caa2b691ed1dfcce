from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "zhengai.monitoring"
    label = "monitoring"
    verbose_name = "监测"

    def ready(self) -> None:
        from zhengai.lib import status
        from zhengai.monitoring.selectors import status_line

        status.register("standard chain", status_line, order=20)
        from zhengai.lib.hooks import BATCH_COMMITTED
        from zhengai.monitoring.realtime import evaluation_after_batch

        BATCH_COMMITTED.connect(evaluation_after_batch)
        from zhengai.lib import usage
        from zhengai.monitoring.history import measurements_between

        usage.register(measurements_between)
