from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sibao.accounts"
    label = "accounts"
