"""S3 endpoint down during upload (issue 7, acceptance 4): a moto_server of this test's own,
really killed. An upload then creates no post and no photo row and says so, on the API and the
compose form; posts without photos keep working."""

import boto3
import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from intentional.tests.servers import moto_server
from social.models import Photo, Post
from social.tests.helpers import network, upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BUCKET = "intentional-outage"
MESSAGE = "We could not store your photos right now, so nothing was posted."


@pytest.fixture
def moto(settings):
    """A moto S3 server with a bucket, as the default storage; `.kill()` stops it for good."""
    with moto_server() as (endpoint, process):
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "access_key": "testing",
                    "secret_key": "testing",
                    "region_name": "us-east-1",
                    "default_acl": None,
                    "file_overwrite": False,
                    "signature_version": "s3v4",
                },
            },
        }
        yield process


@pytest.fixture
def net(settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def _counts():
    return Post.objects.count(), Photo.objects.count()  # audience-ok: test


def test_upload_with_the_s3_endpoint_down_creates_nothing_and_says_so(moto, net):
    author = net["author"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(author).access_token}")
    page = Client()
    page.force_login(author)
    # While the endpoint is up, an upload works.
    response = api.post("/api/v1/posts/", {"body": "up", "photos": [upload()]}, format="multipart")
    assert response.status_code == 201
    assert _counts() == (1, 1)

    moto.kill()
    moto.wait(timeout=10)

    response = api.post(
        "/api/v1/posts/", {"body": "down", "photos": [upload()]}, format="multipart"
    )
    assert response.status_code == 503
    assert response["Retry-After"]
    error = response.json()["error"]
    assert error["type"] == "storage_unavailable"
    assert error["message"].startswith(MESSAGE)
    assert _counts() == (1, 1)

    response = page.post(
        "/posts/new/", {"body": "down too", "audience": "connections", "photos": [upload()]}
    )
    assert response.status_code == 503
    html = response.content.decode()
    assert "nothing was posted" in html
    assert "down too</textarea>" in html  # the text is kept to try again
    assert "botocore" not in html and "Traceback" not in html and "Errno" not in html
    assert _counts() == (1, 1)

    # Words alone need no storage.
    response = api.post("/api/v1/posts/", {"body": "text still works"}, format="json")
    assert response.status_code == 201
    assert _counts() == (2, 1)
