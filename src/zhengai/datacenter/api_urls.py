"""The data center's machine-to-machine API (token authenticated, JSON only); see `api.py`."""

from django.urls import path

from zhengai.datacenter import api

app_name = "datacenter_api"

urlpatterns = [
    path("push/<slug:source_code>/<slug:table>/", api.push, name="push"),
    path("runs/<int:run_id>/", api.run_status, name="run"),
    path("openapi.json", api.openapi, name="openapi"),
]
