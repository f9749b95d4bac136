from django.apps import AppConfig


class VocabularyConfig(AppConfig):
    name = "turath.vocabulary"
    label = "vocabulary"
    verbose_name = "Vocabulary (SKOS thesaurus)"
