from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "turath.cases"
    label = "cases"
    verbose_name = "Cases: reports, alerts, seizures, restitution"
