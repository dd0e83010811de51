"""WSGI entry point (gunicorn intentional.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from intentional.runtime import body_read_timeout, gc_tune_for_serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intentional.settings.base")

application = body_read_timeout(get_wsgi_application())
gc_tune_for_serving()
