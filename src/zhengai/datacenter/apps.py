from django.apps import AppConfig


class DatacenterConfig(AppConfig):
    name = "zhengai.datacenter"
    label = "datacenter"
    verbose_name = "数据中心"

    def ready(self) -> None:
        from zhengai.datacenter.selectors.status import status_line
        from zhengai.lib import status

        status.register("data center", status_line, order=10)
