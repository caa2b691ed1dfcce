from django.urls import path

from zhengai.datacenter import views

app_name = "datacenter"

urlpatterns = [
    path("dictionary/", views.dictionary, name="dictionary"),
    path("sources/", views.sources, name="sources"),
    path("sources/new/", views.source_new, name="source_new"),
    path("sources/<slug:code>/settings/", views.source_edit, name="source_edit"),
    path("sources/<slug:code>/", views.source_detail, name="source_detail"),
    path("sources/<slug:code>/upload/", views.source_upload, name="source_upload"),
    path("sources/<slug:code>/sync/", views.source_sync, name="source_sync"),
    path("sources/<slug:code>/mappings/", views.mapping_new, name="mapping_new"),
    path("sources/<slug:code>/mappings/<slug:table>/", views.mapping_edit, name="mapping_edit"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/report/", views.run_report, name="run_report"),
    path("runs/<int:pk>/files/<int:index>/", views.run_file, name="run_file"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:pk>/confirm/", views.run_confirm, name="run_confirm"),
    path("quality/", views.quality, name="quality"),
]
