from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhengai.demo"
    label = "demo"
    verbose_name = "演示学院"

    def ready(self) -> None:
        from zhengai.demo.goal_gaps import goal_gaps_found
        from zhengai.demo.planted import planted_of_latest_build
        from zhengai.lib import status

        status.register_planted(planted_of_latest_build)
        status.register_gaps(goal_gaps_found)
