from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "turath.custody"
    label = "custody"
    verbose_name = "Custody of confiscated objects"
