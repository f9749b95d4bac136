from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "turath.core"
    label = "core"
    verbose_name = "Turath core: agencies, people, permissions, audit"
