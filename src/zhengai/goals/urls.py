from django.urls import path

from zhengai.goals.views import chain, pdp, tasks

app_name = "goals"

urlpatterns = [
    path("", chain.tree, name="tree"),
    path("new/", chain.goal_new, name="goal_new"),
    path("<int:pk>/", chain.goal_detail, name="goal_detail"),
    path("<int:pk>/targets/", chain.target_new, name="target_new"),
    path("schedule/", tasks.schedule, name="schedule"),
    path("schedule/load/", tasks.schedule_load, name="schedule_load"),
    path("tasks/<int:pk>/update/", tasks.task_update, name="task_update"),
    path("pdps/", pdp.pdps, name="pdps"),
    path("pdps/<int:pk>/", pdp.pdp_detail, name="pdp"),
    path("pdps/<int:pk>/comment/", pdp.pdp_comment, name="pdp_comment"),
    path("pdps/<int:pk>/stage/", pdp.pdp_stage, name="pdp_stage"),
    path("pdps/templates/", pdp.pdp_templates, name="pdp_templates"),
    path("pdps/templates/<int:pk>/generate/", pdp.pdp_generate, name="pdp_generate"),
]
