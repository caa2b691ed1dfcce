from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from zhengai.accounts import views as account_views

admin.site.site_header = "诊改平台 · 主数据管理"
admin.site.site_title = "诊改平台"
admin.site.index_title = "主数据与配置"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", lambda request: HttpResponse("ok"), name="healthz"),
    path("accounts/", include("zhengai.accounts.urls")),
    path("org/", include("zhengai.org.urls")),
    path("datacenter/", include("zhengai.datacenter.urls")),
    path("api/datacenter/", include("zhengai.datacenter.api_urls")),
    path("standards/", include("zhengai.monitoring.urls")),
    path("alerts/", include("zhengai.alerts.urls")),
    path("goals/", include("zhengai.goals.urls")),
    path("audit/", include("zhengai.audit.urls")),
    path("admin/", admin.site.urls),
]
