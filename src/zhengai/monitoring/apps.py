from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "zhengai.monitoring"
    label = "monitoring"
    verbose_name = "监测"
