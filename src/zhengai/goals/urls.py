from django.urls import path

from zhengai.goals import views

app_name = "goals"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/load/", views.schedule_load, name="schedule_load"),
    path("tasks/<int:pk>/update/", views.task_update, name="task_update"),
]
