"""/settings/: profile, avatar, time zone and digest email; the avatar's permission check."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from connections.tests.factories import connect
from social.models import User
from social.tests.factories import UserFactory
from social.tests.helpers import METADATA_IMAGES, assert_pixels_only, metadata_upload

pytestmark = pytest.mark.django_db


def _jpeg_with_gps(size=(800, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _form(**overrides) -> dict:
    data = {
        "display_name": "Ada L.",
        "bio": "Counting things.",
        "timezone": "Europe/London",
        "digest_email_enabled": "",
    }
    return {**data, **overrides}


def test_settings_requires_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_settings_page_lists_iana_time_zones(client, user):
    client.force_login(user)
    html = client.get("/settings/").content.decode()
    assert 'value="America/Los_Angeles"' in html
    assert 'value="Asia/Tokyo"' in html
    assert '<label for="id_timezone">' in html


def test_settings_saves_the_profile(client, user):
    client.force_login(user)
    response = client.post("/settings/", _form())
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.timezone, user.digest_email_enabled) == (
        "Ada L.",
        "Counting things.",
        "Europe/London",
        False,
    )
    assert "Your settings are saved." in client.get("/settings/").content.decode()


def test_settings_errors_are_shown_next_to_the_field(client, user):
    client.force_login(user)
    response = client.post("/settings/", _form(timezone="Mars/Base", bio="x" * 501))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"timezone", "bio"}
    assert 'class="field-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_avatar_is_re_encoded_without_metadata(client, user):
    client.force_login(user)
    upload = SimpleUploadedFile("me.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = client.post("/settings/", _form(avatar=upload))
    assert response.status_code == 302
    user.refresh_from_db()
    # A random key, never the uploader's file name.
    assert re.fullmatch(r"avatars/[A-Za-z0-9_-]{24}\.jpg", user.avatar_key)
    with default_storage.open(user.avatar_key) as stored:
        image = Image.open(stored)
        assert max(image.size) == 512
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize("case", list(METADATA_IMAGES))
def test_avatar_keeps_only_pixels(case, client, user):
    client.force_login(user)
    response = client.post("/settings/", _form(avatar=metadata_upload(case)))
    assert response.status_code == 302
    user.refresh_from_db()
    with default_storage.open(user.avatar_key) as stored:
        assert_pixels_only(stored.read())


def test_a_non_image_avatar_is_refused_with_a_message(client, user):
    client.force_login(user)
    upload = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = client.post("/settings/", _form(avatar=upload))
    assert response.status_code == 200
    assert "avatar" in response.context["form"].errors
    user.refresh_from_db()
    assert user.avatar_key == "" and user.display_name != "Ada L."


def test_avatar_is_served_to_self_and_connections_only(client, user):
    client.force_login(user)
    upload = SimpleUploadedFile("me.png", _jpeg_with_gps((64, 64)), content_type="image/png")
    client.post("/settings/", _form(avatar=upload))
    user.refresh_from_db()
    url = user.avatar_path()
    assert client.get(url).status_code == 200

    friend, stranger = UserFactory(), UserFactory()
    connect(user, friend)
    client.force_login(friend)
    assert client.get(url).status_code == 200
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_removing_the_avatar_deletes_the_file(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    upload = SimpleUploadedFile("me.png", _jpeg_with_gps((64, 64)), content_type="image/png")
    client.post("/settings/", _form(avatar=upload))
    key = User.objects.get(pk=user.pk).avatar_key
    assert default_storage.exists(key)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/", _form(remove_avatar="on"))
    assert User.objects.get(pk=user.pk).avatar_key == ""
    assert not default_storage.exists(key)


def test_remove_avatar_is_offered_only_with_an_avatar(client, user):
    client.force_login(user)
    assert "Remove my avatar" not in client.get("/settings/").content.decode()
    # Ticking it anyway (an old form) changes nothing and saves the rest.
    assert client.post("/settings/", _form(remove_avatar="on")).status_code == 302

    upload = SimpleUploadedFile("me.png", _jpeg_with_gps((64, 64)), content_type="image/png")
    client.post("/settings/", _form(avatar=upload))
    assert "Remove my avatar" in client.get("/settings/").content.decode()


def test_avatar_url_of_the_api_works_with_a_bearer_token_only(client, user):
    """`avatar_url` of /api/v1/me/ and /api/v1/users/<u>/ is fetched by API clients, which
    carry a bearer token and no session: same rule as the page (self and connections)."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client.force_login(user)
    upload = SimpleUploadedFile("me.png", _jpeg_with_gps((64, 64)), content_type="image/png")
    client.post("/settings/", _form(avatar=upload))
    friend, stranger = UserFactory(), UserFactory()
    connect(user, friend)

    def bearer(person) -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(person).access_token}")
        return api

    own_url = bearer(user).get("/api/v1/me/").json()["avatar_url"]
    friend_url = bearer(friend).get(f"/api/v1/users/{user.username}/").json()["avatar_url"]
    assert own_url == friend_url and own_url.endswith(user.avatar_path())
    for person in (user, friend):
        response = bearer(person).get(own_url)
        assert response.status_code == 200, person
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
    assert bearer(stranger).get(own_url).status_code == 404
    invalid = APIClient()
    invalid.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert invalid.get(own_url).status_code == 404
    assert APIClient().get(own_url).status_code == 404
