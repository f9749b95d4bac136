from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "turath.core"
    label = "core"
    verbose_name = "Turath core: agencies, people, permissions, audit"

    def ready(self):
        from . import auth  # noqa: F401  (connects the sign-in throttle's signal receivers)
