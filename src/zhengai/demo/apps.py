from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhengai.demo"
    label = "demo"
    verbose_name = "演示学院"
