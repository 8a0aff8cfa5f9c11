from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "sibao.regions"
    label = "regions"
