from django.apps import AppConfig


class IntentionalConfig(AppConfig):
    name = "intentional"
    verbose_name = "Intentional"
