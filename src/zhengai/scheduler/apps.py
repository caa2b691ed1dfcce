from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "zhengai.scheduler"
    label = "scheduler"
    verbose_name = "定时任务"
