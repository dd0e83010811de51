"""Shared pieces of the API views."""

from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import NotFound, ParseError, ValidationError


@contextmanager
def service_errors(field: str = "non_field_errors"):
    """Turn a service's refusals into API errors: ValidationError → 400 (under `field`),
    `DoesNotExist` (not the caller's, or gone) → 404. Usable as a decorator too."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(error.message_dict) from None
        raise ValidationError({field: error.messages}) from None
    except ObjectDoesNotExist:
        raise NotFound() from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for Python's parser (about 1,000 levels)
    answered as a parse error (400) rather than a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
