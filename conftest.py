"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from social.tests.factories import UserFactory

# Browser fixtures (`browser`, `page_factory`) for the end-to-end tests.
pytest_plugins = ["intentional.tests.browser"]


def pytest_configure(config):
    """Tests read the compiled translation catalogues (SPEC §12): a clean clone, or a .po
    changed since its .mo was built, gets them compiled first, as `make test` does."""
    from intentional.catalogues import CatalogueError, catalogues_compile

    try:
        catalogues_compile(only_stale=True)
    except CatalogueError as error:
        raise pytest.UsageError(f"A translation catalogue is refused:\n{error}") from None


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and an empty cache (rate-limit counters included)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media-not-public/"},
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _database_features(django_db_setup, django_db_blocker):
    """SQLite asks once per connection whether it has JSON functions (a query run while the
    first JSON expression compiles): asked here, it is in no test's query count."""
    with django_db_blocker.unblock():
        assert connection.features.supports_json_field


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def auth_api(user):
    """An API client signed in as `user` with a JWT."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    client.user = user
    return client
