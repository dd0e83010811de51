"""The site's URLs plus views that fail on purpose, for the error-format tests."""

from django.urls import path
from rest_framework.views import APIView

from intentional.urls import handler400, handler403, handler404, handler500  # noqa: F401
from intentional.urls import urlpatterns as site_urlpatterns


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail /srv/app/settings.py")


def page_boom(request):
    raise RuntimeError("secret internal detail /srv/app/settings.py")


urlpatterns = [
    path("api/v1/boom/", Boom.as_view()),
    path("boom/", page_boom),
    *site_urlpatterns,
]
