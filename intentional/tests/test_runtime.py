"""The web workers' process settings (intentional/runtime.py)."""

import gc
import importlib

from intentional.runtime import SERVING_GC_YOUNG_THRESHOLD, gc_tune_for_serving, gc_untune


def test_the_wsgi_entry_point_tunes_the_collector_and_the_tuning_can_be_undone():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        import intentional.wsgi

        importlib.reload(intentional.wsgi)
        assert gc.get_threshold()[0] == SERVING_GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
        gc_untune((700, 10, 10))
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == 0
        assert gc_tune_for_serving() == (700, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)
