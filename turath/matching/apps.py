from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "turath.matching"
    label = "matching"
    verbose_name = "Matching at inspection"
