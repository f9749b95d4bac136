from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "turath.custody"
    label = "custody"
    verbose_name = "Custody of confiscated objects"

    def ready(self):
        from . import (
            casework,  # noqa: F401 — handover exits, timeline events and dashboard figures for cases
            links,  # noqa: F401 — registers what the object page lists from this app
        )
