from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "turath.custody"
    label = "custody"
    verbose_name = "Custody of confiscated objects"

    def ready(self):
        from . import links  # noqa: F401 — registers what the object page lists from this app
