from django.apps import AppConfig


class IntentionalConfig(AppConfig):
    name = "intentional"
    verbose_name = "Intentional"

    def ready(self):
        # Register the product's metrics at start-up so /metrics lists them from the first scrape.
        from intentional import metrics  # noqa: F401
