"""Process settings for the web workers (intentional/wsgi.py), also used by `manage.py bench`."""

import gc

# Young objects are collected every this many allocations instead of CPython's 700: an API
# feed request allocates about 1,900, which cost ~3 young collections per request.
SERVING_GC_YOUNG_THRESHOLD = 10_000


def gc_tune_for_serving() -> tuple[int, int, int]:
    """Leave the objects loaded so far (Django, apps, models: they live as long as the
    process) out of every later collection, and collect young objects less often; returns
    the previous thresholds. Only when collections run changes, never what is collected.

    Measured on the API feed through Django's WSGI handler (docs/performance.md): a full
    collection no longer walks the ~140,000 start-up objects in the middle of a request.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(SERVING_GC_YOUNG_THRESHOLD, 20, 20)
    return previous


def gc_untune(previous: tuple[int, int, int]) -> None:
    """Undo `gc_tune_for_serving` (the bench measures the digest batch as the worker runs)."""
    gc.unfreeze()
    gc.set_threshold(*previous)
