from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhengai.accounts"
    label = "accounts"
    verbose_name = "用户与权限"
