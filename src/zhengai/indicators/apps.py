from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "zhengai.indicators"
    label = "indicators"
    verbose_name = "标准链（指标）"
