from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "zhengai.goals"
    label = "goals"
    verbose_name = "目标链"

    def ready(self) -> None:
        import datetime as dt

        from zhengai.goals.selectors.status import status_line
        from zhengai.lib import status
        from zhengai.scheduler.registry import register

        status.register("goals", status_line, order=40)

        register(name="goals.tasks_escalate", label="逾期任务提醒与升级", every=dt.timedelta(minutes=15),
                 func="zhengai.goals.services.tasks_escalate_overdue")  # fmt: skip
