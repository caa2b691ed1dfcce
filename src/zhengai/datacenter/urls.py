from django.urls import path

from zhengai.datacenter import views

app_name = "datacenter"

urlpatterns = [
    path("dictionary/", views.dictionary, name="dictionary"),
]
