from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "turath.cases"
    label = "cases"
    verbose_name = "Cases: reports, alerts, seizures, restitution"

    def ready(self):
        from . import (
            links,  # noqa: F401 — registers what the object page lists from this app
            receivers,  # noqa: F401 — a confirmed match (matching's signal) alerts and links a seizure
        )
