"""Services speak the domain; one handler per surface answers (STYLE.md "Errors"): DRF's
EXCEPTION_HANDLER for the API (`intentional.errors.exception_handler`), and
`ExceptionAnswersMiddleware` for pages (`intentional.errors.page_exception_response`).

Each domain error type is tried on each surface, through views that raise it
(urls_domain_errors) and through the real endpoints whose services raise it."""

import re

import pytest
from django.test import Client

from connections.models import Connection, Tag
from connections.tests.factories import TagFactory, connect
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def as_alice(alice):
    client = Client()
    client.force_login(alice)
    return client


def _api_error(response, status: int, type_: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == type_
    return error


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_api_object_does_not_exist_is_404_not_found(as_alice):
    error = _api_error(as_alice.post("/api/v1/raises/missing/"), 404, "not_found")
    # Exactly what a route that does not exist answers: nothing tells the two apart.
    unknown = as_alice.post("/api/v1/no-such-route/")
    assert error == _api_error(unknown, 404, "not_found")


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_api_permission_denied_is_403(as_alice):
    _api_error(as_alice.post("/api/v1/raises/not-yours/"), 403, "permission_denied")


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_api_validation_error_is_400_with_its_fields(as_alice):
    error = _api_error(as_alice.post("/api/v1/raises/bad-field/"), 400, "validation_error")
    assert error == {
        "type": "validation_error",
        "message": "name: Give the tag a name.",
        "fields": {"name": ["Give the tag a name."]},
    }
    error = _api_error(as_alice.post("/api/v1/raises/bad/"), 400, "validation_error")
    assert error["fields"] == {"non_field_errors": ["You can't connect with yourself."]}
    assert error["message"] == "You can't connect with yourself."


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_api_validation_error_about_size_is_413(as_alice):
    error = _api_error(as_alice.post("/api/v1/raises/too-large/"), 413, "payload_too_large")
    assert error["fields"] == {"photos": ["This photo is too large."]}


def test_api_real_services_domain_errors(alice, as_alice):
    bob = UserFactory(username="bob")
    others = TagFactory(owner=bob, name="bobs")
    # Tag.DoesNotExist from the service (another person's tag) → 404.
    _api_error(as_alice.delete(f"/api/v1/tags/{others.pk}/"), 404, "not_found")
    # Post.DoesNotExist from a selector (a post alice may not see) → 404.
    hidden = PostFactory(author=bob)
    _api_error(as_alice.get(f"/api/v1/posts/{hidden.pk}/comments/"), 404, "not_found")
    # ValidationError on the field the service names → 400 under it.
    TagFactory(owner=alice, name="family")
    response = as_alice.post("/api/v1/tags/", {"name": "FAMILY"}, content_type="application/json")
    error = _api_error(response, 400, "validation_error")
    assert list(error["fields"]) == ["name"]
    assert Tag.objects.filter(owner=alice).count() == 1


def _page(response) -> str:
    """The page with its CSRF tokens blanked (they differ at each rendering)."""
    return re.sub(r'value="[A-Za-z0-9]{32,}"', 'value=""', response.content.decode())


# --- Pages --------------------------------------------------------------------------------------


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_page_object_does_not_exist_is_the_404_page(as_alice):
    response = as_alice.get("/raises/missing/")
    assert response.status_code == 404
    # The very page of a missing page: a hidden object's existence does not leak.
    assert _page(response) == _page(as_alice.get("/no/such/page/"))


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_page_permission_denied_is_the_403_page(as_alice):
    response = as_alice.get("/raises/not-yours/")
    assert response.status_code == 403
    assert "can't do that" in response.content.decode()


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_page_validation_error_is_400_on_the_page_it_came_from(as_alice):
    response = as_alice.get("/raises/bad/?refused_on=/people/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "You can&#x27;t connect with yourself." in html  # the reason, as a message
    assert 'id="invitations"' in html  # on /people/, as its GET shows it


@pytest.mark.urls("intentional.tests.urls_domain_errors")
def test_page_validation_error_without_a_page_is_the_400_page(as_alice):
    response = as_alice.get("/raises/bad/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "That request didn" in html and "connect with yourself" not in html


def test_page_real_services_domain_errors(alice, as_alice):
    bob = UserFactory(username="bob")
    # Post.DoesNotExist from a selector → the 404 page, like a missing one.
    hidden = PostFactory(author=bob)
    response = as_alice.get(f"/posts/{hidden.pk}/")
    assert response.status_code == 404
    assert _page(response) == _page(as_alice.get("/posts/999999/"))
    # Connection.DoesNotExist from the service (not alice's request) → 404.
    carol = UserFactory(username="carol")
    pending = connect(bob, carol, status=Connection.Status.PENDING)
    assert as_alice.post(f"/people/requests/{pending.pk}/accept/").status_code == 404
    # ValidationError → 400 with the profile the action came from, and the reason.
    connect(alice, bob)
    response = as_alice.post("/people/bob/connect/", {"back": "profile"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "already connected with @bob" in html and "@bob</p>" in html
