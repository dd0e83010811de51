"""Shared pieces of the API views."""

from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError


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
