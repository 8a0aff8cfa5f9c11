from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "sibao.enterprises"
    label = "enterprises"
