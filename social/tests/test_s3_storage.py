"""Photos on S3/R2 (django-storages), against a moto_server on loopback: presigned URLs that
expire, no metadata in the stored objects, files deleted with the post, failures contained."""

import io
import urllib.request
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from intentional.tests.servers import moto_server
from social import services
from social.models import Photo, Post
from social.tests.helpers import image_bytes, network, upload

BUCKET = "intentional-test-photos"


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto S3 server on a free loopback port, for the whole session."""
    with moto_server() as (endpoint, _process):
        yield endpoint


def _client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
def s3(moto_endpoint, settings):
    """Default storage switched to a fresh private bucket."""
    client = _client(moto_endpoint)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "querystring_expire": 3600,
                "default_acl": None,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture
def net(db, settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def test_photos_go_to_the_bucket_without_metadata(s3, net, django_capture_on_commit_callbacks):
    content = image_bytes(size=(1200, 600), orientation=8, gps=True)
    post = services.post_create(author=net["author"], body="", photos=[upload(content)])
    photo = post.photos.get()
    assert _keys(s3) == sorted(photo.storage_keys())
    for key in photo.storage_keys():
        raw = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert b"SecretCam" not in raw and b"Exif" not in raw
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif()
        assert image.height > image.width  # orientation 8 turned the landscape upright
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(user=net["author"], post_id=post.pk)
    assert _keys(s3) == []


def test_api_gives_presigned_urls_that_expire(s3, net, moto_endpoint):
    post = services.post_create(author=net["author"], body="x", photos=[upload()])
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(net['tagged']).access_token}"
    )
    photo = client.get(f"/api/v1/posts/{post.pk}/").json()["photos"][0]
    for url in (photo["url"], photo["thumbnail_url"]):
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert url.startswith(f"{moto_endpoint}/{BUCKET}/photos/")
        assert query["X-Amz-Expires"] == ["3600"] and "X-Amz-Signature" in query
        with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
            assert Image.open(io.BytesIO(response.read())).format == "JPEG"
    assert Photo.objects.filter(pk=photo["id"], post=post).exists()


def test_photo_view_redirects_to_a_presigned_url_only_for_viewers(s3, net):
    post = services.post_create(
        author=net["author"],
        body="x",
        audience="tags",
        audience_tags=[net["family"]],
        photos=[upload()],
    )
    photo = post.photos.get()
    tagged, untagged = Client(), Client()
    tagged.force_login(net["tagged"])
    untagged.force_login(net["untagged"])
    response = tagged.get(f"/photos/{photo.pk}/display/")
    assert response.status_code == 302 and "X-Amz-Signature=" in response["Location"]
    assert untagged.get(f"/photos/{photo.pk}/display/").status_code == 404


def test_a_bucket_failure_creates_no_post(s3, net, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"},
        },
    }
    with pytest.raises(services.StorageUnavailable):
        services.post_create(author=net["author"], body="x", photos=[upload()])
    assert not Post.objects.exists() and not Photo.objects.exists()
    assert _keys(s3) == []
