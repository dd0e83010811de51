"""WSGI entry point (gunicorn intentional.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intentional.settings.base")

application = get_wsgi_application()
