import datetime as dt

from django.apps import AppConfig


class DatacenterConfig(AppConfig):
    name = "zhengai.datacenter"
    label = "datacenter"
    verbose_name = "数据中心"

    def ready(self) -> None:
        from zhengai.datacenter.selectors.status import status_line
        from zhengai.lib import status

        status.register("data center", status_line, order=10)

        from zhengai.scheduler.registry import register

        # Each source's own “同步周期（分钟）” decides whether it is due; this only looks every minute.
        register(
            name="datacenter.sources_sync_due",
            label="同步到期的数据库数据源",
            every=dt.timedelta(minutes=1),
            func="zhengai.datacenter.sync.source_sync_due",
        )
