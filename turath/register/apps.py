from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "turath.register"
    label = "register"
    verbose_name = "Cultural-property register"
