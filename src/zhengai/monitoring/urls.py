from django.urls import path

from zhengai.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("entity/<str:kind>/<str:key>/", views.entity, name="entity"),
    path("<str:code>/", views.indicator_detail, name="indicator"),
    path("<str:code>/thresholds/new", views.threshold_new, name="threshold_new"),
    path("<str:code>/thresholds/preview", views.threshold_preview, name="threshold_preview"),
    path("<str:code>/edit", views.definition_edit, name="definition_edit"),
    path("<str:code>/reset", views.definition_reset, name="definition_reset"),
    path("<str:code>/enabled", views.indicator_enabled, name="indicator_enabled"),
]
