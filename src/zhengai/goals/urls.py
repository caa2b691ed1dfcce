from django.urls import path

from zhengai.goals.views import assessment, chain, letters, pdp, tasks

app_name = "goals"

urlpatterns = [
    path("", chain.tree, name="tree"),
    path("new/", chain.goal_new, name="goal_new"),
    path("<int:pk>/", chain.goal_detail, name="goal_detail"),
    path("<int:pk>/targets/", chain.target_new, name="target_new"),
    path("<int:pk>/review/", chain.goal_review, name="goal_review"),
    path("schedule/", tasks.schedule, name="schedule"),
    path("schedule/load/", tasks.schedule_load, name="schedule_load"),
    path("tasks/", tasks.tasks, name="tasks"),
    path("tasks/new/", tasks.task_new, name="task_new"),
    path("tasks/<int:pk>/update/", tasks.task_update, name="task_update"),
    path("assessment/", assessment.assessment, name="assessment"),
    path("assessment/run/", assessment.assessment_run, name="assessment_run"),
    path("assessment/scheme/", assessment.assessment_scheme, name="assessment_scheme"),
    path("mine/", assessment.mine, name="mine"),
    path("units/<str:code>/", assessment.unit, name="unit"),
    path("letters/", letters.letters, name="letters"),
    path("letters/generate/", letters.letter_generate, name="letter_generate"),
    path("letters/template/", letters.letter_template, name="letter_template"),
    path("letters/<int:pk>/", letters.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/download/", letters.letter_download, name="letter_download"),
    path("letters/<int:pk>/sign/", letters.letter_sign, name="letter_sign"),
    path("letters/<int:pk>/amend/", letters.letter_amend, name="letter_amend"),
    path("pdps/", pdp.pdps, name="pdps"),
    path("pdps/<int:pk>/", pdp.pdp_detail, name="pdp"),
    path("pdps/<int:pk>/comment/", pdp.pdp_comment, name="pdp_comment"),
    path("pdps/<int:pk>/stage/", pdp.pdp_stage, name="pdp_stage"),
    path("pdps/templates/", pdp.pdp_templates, name="pdp_templates"),
    path("pdps/templates/<int:pk>/generate/", pdp.pdp_generate, name="pdp_generate"),
]
