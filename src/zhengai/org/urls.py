from django.urls import path

from zhengai.org import views

app_name = "org"

urlpatterns = [
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/cells/<int:pk>/", views.matrix_cell, name="matrix_cell"),
    path("matrix/cells/<int:pk>/edit/", views.matrix_cell_edit, name="matrix_cell_edit"),
    path("units/", views.units, name="units"),
    path("units/load-default/", views.units_load_default, name="units_load_default"),
    path("majors/", views.majors, name="majors"),
    path("majors/<int:pk>/", views.major_detail, name="major_detail"),
    path("courses/", views.courses, name="courses"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("teachers/", views.teachers, name="teachers"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("students/", views.students, name="students"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/years/new/", views.calendar_year_new, name="calendar_year_new"),
    path("calendar/years/<int:pk>/edit/", views.calendar_year_edit, name="calendar_year_edit"),
    path("calendar/years/<int:pk>/delete/", views.calendar_year_delete, name="calendar_year_delete"),
]
