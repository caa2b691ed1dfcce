from django.urls import path

from zhengai.goals import views

app_name = "goals"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.goal_new, name="goal_new"),
    path("<int:pk>/", views.goal_detail, name="goal_detail"),
    path("<int:pk>/targets/", views.target_new, name="target_new"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/load/", views.schedule_load, name="schedule_load"),
    path("tasks/<int:pk>/update/", views.task_update, name="task_update"),
]
