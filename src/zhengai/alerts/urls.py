from django.urls import path

from zhengai.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("bulk/", views.bulk, name="bulk"),
    path("overview/", views.overview, name="overview"),
    path("unit/<str:code>/", views.unit, name="unit"),
    path("unit/<str:code>/summary/", views.summary, name="summary"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", views.notification_open, name="notification_open"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("settings/", views.alert_settings, name="settings"),
    path("settings/policies/", views.policies, name="policies"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/<int:event_id>/", views.attachment, name="attachment"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
