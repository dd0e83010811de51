"""SPEC §12 with the translations in: an API error for a Spanish person is in Spanish — a
validation error (400) by field, a refusal of our own services, a 404 — whatever their client's
Accept-Language. Each expected message is read from the catalogues and must differ from the
English one."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish():
    person = UserFactory(language="es")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(person).access_token}")
    return client


def _spanish(message: str, **values) -> str:
    with translation.override("es"):
        spanish = translation.gettext(message)
    assert spanish != message, f"no Spanish for {message!r}"
    return spanish % values if values else spanish


def test_a_validation_error_is_in_spanish(spanish):
    response = spanish.patch("/api/v1/me/", {"timezone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert response["Content-Language"] == "es"
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    expected = _spanish("“%(value)s” is not a known time zone.", value="Mars/Olympus")
    assert error["fields"]["timezone"] == [expected]
    assert expected in error["message"]


def test_a_refusal_of_a_service_is_in_spanish(spanish):
    response = spanish.post("/api/v1/posts/", {"body": "   "}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["body"] == [_spanish("Write something or add a photo.")]


@pytest.mark.parametrize("path", ["/api/v1/posts/999999/", "/api/v1/no-such-thing/"])
def test_not_found_is_in_spanish(spanish, path):
    response = spanish.get(path)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "not_found"
    assert error["message"] == _spanish("Not found.")
