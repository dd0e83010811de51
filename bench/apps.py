from django.apps import AppConfig


class BenchConfig(AppConfig):
    """`manage.py bench`: the benchmark's dataset and measurements (docs/performance.md).

    Above every product app (it uses them all, none uses it); no models, URLs or templates.
    """

    name = "bench"
    verbose_name = "Benchmark"
