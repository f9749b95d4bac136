from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turath.matching"
    label = "matching"
    verbose_name = "Matching at inspection"

    def ready(self):
        from turath.core import health

        from . import index, signals  # noqa: F401  (signals connects the re-indexing receivers)

        health.add_reporter("index", index.health_report)  # /healthz says how far the index has got
