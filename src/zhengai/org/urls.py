from django.urls import path

from zhengai.org import views

app_name = "org"

urlpatterns = [
    path("matrix/", views.matrix, name="matrix"),
    path("units/", views.units, name="units"),
    path("majors/", views.majors, name="majors"),
    path("courses/", views.courses, name="courses"),
    path("classes/", views.classes, name="classes"),
    path("teachers/", views.teachers, name="teachers"),
    path("students/", views.students, name="students"),
    path("calendar/", views.calendar, name="calendar"),
]
