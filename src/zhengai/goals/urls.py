from django.urls import path

from zhengai.goals.views import assessment, chain, tasks

app_name = "goals"

urlpatterns = [
    path("", chain.tree, name="tree"),
    path("new/", chain.goal_new, name="goal_new"),
    path("<int:pk>/", chain.goal_detail, name="goal_detail"),
    path("<int:pk>/targets/", chain.target_new, name="target_new"),
    path("schedule/", tasks.schedule, name="schedule"),
    path("schedule/load/", tasks.schedule_load, name="schedule_load"),
    path("tasks/<int:pk>/update/", tasks.task_update, name="task_update"),
    path("assessment/", assessment.assessment, name="assessment"),
    path("assessment/run/", assessment.assessment_run, name="assessment_run"),
    path("assessment/scheme/", assessment.assessment_scheme, name="assessment_scheme"),
    path("mine/", assessment.mine, name="mine"),
    path("units/<str:code>/", assessment.unit, name="unit"),
]
