"""Shared pieces of the API views."""

import inspect
from functools import cache

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import authentication, parsers, serializers
from rest_framework.exceptions import APIException, ParseError
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from intentional.db import PrecompiledQuery
from intentional.languages import activate_person_language


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for Python's parser (about 1,000 levels)
    answered as a parse error (400) rather than a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None


class _PersonLanguage:
    """Answer in the authenticated person's language (SPEC §12): DRF authenticates inside the
    view, after every middleware has run, so the language Accept-Language chose
    (intentional.middleware.LocaleMiddleware) is replaced here when the person chose one."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_person_language(request._request, result[0])
        return result


@cache
def _person_by_id() -> PrecompiledQuery:
    users = get_user_model()
    return PrecompiledQuery(
        users, lambda s: users._default_manager.filter(**{jwt_settings.USER_ID_FIELD: s.id("id")})
    )


class _PeopleById:
    """What simplejwt's `get_user` reads of the user model — `objects.get(<id field>=…)` and
    `DoesNotExist` — with the person read by SQL compiled once per process: every API request
    reads its person, and building that query cost more than running it. simplejwt's own
    checks (inactive, password changed since the token) still run on what it returns."""

    def __init__(self):
        self.model = get_user_model()
        self.DoesNotExist = self.model.DoesNotExist
        self.objects = self

    def get(self, **lookup):
        [value] = lookup.values()
        try:
            rows = _person_by_id().fetch(id=int(value))
        except (TypeError, ValueError):  # a signed token with no usable id names nobody
            rows = []
        if not rows:
            raise self.DoesNotExist
        return rows[0]


class JWTAuthentication(_PersonLanguage, jwt_authentication.JWTAuthentication):
    """simplejwt's Bearer authentication, in the person's language, the person read by
    compiled SQL (`_PeopleById`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _PeopleById()


class SessionAuthentication(_PersonLanguage, authentication.SessionAuthentication):
    """DRF's session authentication (with its CSRF check), in the person's language."""


def api_person_language(request) -> None:
    """For an API answer that no DRF view gives (an unknown route): the language of the person
    the session or the Bearer token names, when they chose one (else Accept-Language's stays).
    A token that does not authenticate changes nothing: the answer is an error already."""
    user = getattr(request, "user", None)
    try:
        if (user is None or not user.is_authenticated) and "Authorization" in request.headers:
            found = jwt_authentication.JWTAuthentication().authenticate(request)
            user = found[0] if found else None
    except (APIException, TokenError, DatabaseError):
        return
    if user is not None and user.is_authenticated:
        activate_person_language(request, user)


# The OpenAPI schema documents them as the classes they extend (drf-spectacular matches an
# authentication class exactly).
class JWTAuthenticationScheme(SimpleJWTScheme):
    target_class = "intentional.api.JWTAuthentication"


class SessionAuthenticationScheme(SessionScheme):
    target_class = "intentional.api.SessionAuthentication"


def _read(source_attrs: list[str]):
    """A function reading a field's value along its `source`, as DRF's get_attribute does
    (calling the methods on the way: `photos.all`)."""

    def read(instance):
        for attr in source_attrs:
            if instance is None:
                return None
            instance = getattr(instance, attr)
            if inspect.ismethod(instance):
                instance = instance()
        return instance

    return read


def _convert(field):
    """A plain function giving `field.to_representation(value)` for a value that is not None."""
    if isinstance(field, serializers.ListSerializer):
        child = field.child
        return lambda values: [child.to_representation(value) for value in values]
    if isinstance(field, serializers.SerializerMethodField):
        return getattr(field.parent, field.method_name)
    if type(field) is serializers.IntegerField:
        return int
    if type(field) is serializers.CharField:
        return str
    if type(field) is serializers.FloatField:
        return float
    if type(field) is serializers.BooleanField:
        return bool
    return field.to_representation  # nested serializers, dates, choices, method fields


class DeclaredFieldsRepresentation:
    """`to_representation` from the declared fields alone — their names, order and sources —
    with each field read and converted by a plain function chosen once per serializer instance
    (a list's child serves all its rows): DRF's per-value machinery cost about a quarter of a
    feed request. The output is DRF's own (tests compare the two)."""

    def _plan(self) -> list:
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            plan = self._representation_plan = [
                (field.field_name, _read(field.source_attrs), _convert(field))
                for field in self._readable_fields
            ]
        return plan

    def to_representation(self, instance):
        data = {}
        for name, read, convert in self._plan():
            value = read(instance)
            data[name] = None if value is None else convert(value)
        return data
