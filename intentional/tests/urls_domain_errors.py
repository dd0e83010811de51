"""The site's URLs plus views that raise each domain error of a service (STYLE.md "Errors"),
on both surfaces, for intentional/tests/test_domain_errors.py."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.urls import path
from rest_framework.views import APIView

from intentional.errors import refusals_show_on
from intentional.urls import handler400, handler403, handler404, handler500  # noqa: F401
from intentional.urls import urlpatterns as site_urlpatterns

# What a service raises, by name in the URL.
ERRORS = {
    "missing": lambda: ObjectDoesNotExist("no such thing for this caller"),
    "not-yours": lambda: PermissionDenied("not theirs to change"),
    "bad-field": lambda: ValidationError({"name": "Give the tag a name."}),
    "bad": lambda: ValidationError("You can't connect with yourself."),
    "too-large": lambda: ValidationError(
        {"photos": ValidationError("This photo is too large.", code="too_large")}
    ),
}


class Raises(APIView):
    def post(self, request, error: str):
        raise ERRORS[error]()


def page_raises(request, error: str):
    if request.GET.get("refused_on"):
        refusals_show_on(request, request.GET["refused_on"])
    raise ERRORS[error]()


urlpatterns = [
    path("api/v1/raises/<str:error>/", Raises.as_view()),
    path("raises/<str:error>/", page_raises),
    *site_urlpatterns,
]
