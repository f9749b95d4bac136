from django.apps import AppConfig


class HeritageConfig(AppConfig):
    name = "turath.heritage"
    label = "heritage"
    verbose_name = "Heritage list"
