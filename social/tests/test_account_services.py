"""Account services the views call: the settings save, avatar files, API tokens."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image
from prometheus_client import REGISTRY

from social import selectors, services
from social.models import User
from social.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def _storage_deletes() -> float:
    return (
        REGISTRY.get_sample_value("intentional_storage_seconds_count", {"operation": "delete"})
        or 0.0
    )


def test_settings_save_is_all_or_nothing(user):
    bad = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        services.user_settings_save(user=user, avatar=bad, bio="Changed.")
    assert list(refused.value.message_dict) == ["avatar"]  # shown next to the avatar field
    assert User.objects.get(pk=user.pk).bio != "Changed."


def test_a_replaced_avatar_file_is_deleted_through_storage(
    user, django_capture_on_commit_callbacks
):
    """The old file goes through social.storage (timed, presigned URL forgotten), once."""
    services.user_settings_save(user=user, avatar=_png())
    old_key = User.objects.get(pk=user.pk).avatar_key
    before = _storage_deletes()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_settings_save(user=User.objects.get(pk=user.pk), avatar=_png())
    assert not default_storage.exists(old_key)
    assert _storage_deletes() == before + 1


def test_token_obtain(user):
    request = RequestFactory().post("/api/v1/auth/token/")
    account = selectors.user_for_login(login=user.email.upper())
    tokens = services.token_obtain(
        request=request, account=account, login=user.email, password=PASSWORD
    )
    assert set(tokens) == {"access", "refresh"} and all(tokens.values())
    with pytest.raises(ValidationError) as refused:
        services.token_obtain(request=request, account=account, login=user.email, password="no")
    assert refused.value.messages == ["The login or the password is not right."]
    assert not hasattr(refused.value, "error_dict")  # the API's non_field_errors
