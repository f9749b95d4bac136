from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turath.matching"
    label = "matching"
    verbose_name = "Matching at inspection"

    def ready(self):
        from . import signals  # noqa: F401  (connects the re-indexing receivers)
