"""HEIC/HEIF phone photos (SPEC §2, issue 17): a real HEIC, made here with the pillow-heif
plugin, uploads through the API and the compose box, shows, is stored upright as JPEG with
nothing of the file but its pixels; a file that only claims to be HEIC is refused (the
"only claims to be heic" case of test_hostile_uploads, on every surface). Metadata of every
format, HEIC included, is checked by test_hostile_uploads.test_only_pixels_are_stored."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import ExifTags, Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from social.models import Photo
from social.tests.helpers import SECRET, _xmp, assert_pixels_only, network, upload

pytestmark = pytest.mark.django_db


def heic_bytes(*, size=(80, 40), orientation=None) -> bytes:
    """A real HEIC (pillow-heif), with a blue top-left corner, EXIF (camera, SECRET, an
    orientation if given) and XMP."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.ImageDescription] = SECRET
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="HEIF", exif=exif.tobytes(), xmp=_xmp(), quality=95)
    data = buffer.getvalue()
    assert data[4:12] == b"ftypheic" and SECRET.encode() in data
    return data


@pytest.fixture
def net(settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def _stored(photo: Photo, variant: str) -> bytes:
    key = photo.display_key if variant == "display" else photo.thumbnail_key
    with default_storage.open(key) as handle:
        return handle.read()


@pytest.mark.parametrize("surface", ["api", "page"])
def test_a_real_heic_uploads_shows_and_keeps_only_its_pixels(surface, net):
    photo_file = upload(heic_bytes(), "IMG_0042.HEIC", "image/heic")
    if surface == "api":
        client = APIClient()
        token = RefreshToken.for_user(net["author"]).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post(
            "/api/v1/posts/",
            {"body": "From my phone", "photos": [photo_file], "photo_alts": ["A red wall"]},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        assert response.json()["photos"][0]["width"] == 80
    else:
        client = Client()
        client.force_login(net["author"])
        response = client.post(
            "/posts/new/",
            {"body": "From my phone", "audience": "connections", "photos": [photo_file]},
        )
        assert response.status_code == 302
    photo = Photo.objects.get()  # audience-ok: test
    assert (photo.width, photo.height) == (80, 40)
    for variant in ("display", "thumb"):
        data = _stored(photo, variant)
        assert data.startswith(b"\xff\xd8")  # re-encoded as JPEG
        assert_pixels_only(data)
        assert b"SecretCam" not in data and b"ftyp" not in data and b"xmpmeta" not in data
    # It shows: on the post's page and through the permission-checked photo view.
    viewer = Client()
    viewer.force_login(net["untagged"])
    html = viewer.get(f"/posts/{photo.post_id}/").content.decode()
    assert f"/photos/{photo.pk}/display/" in html
    served = viewer.get(f"/photos/{photo.pk}/display/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_a_heic_is_stored_upright(net):
    """EXIF orientation 6 (rotate 90° clockwise): stored 40 × 80 with the blue corner at the
    top right, like the other formats."""
    client = Client()
    client.force_login(net["author"])
    photo_file = upload(heic_bytes(orientation=6), "IMG_0043.HEIC", "image/heic")
    response = client.post(
        "/posts/new/", {"body": "Sideways", "audience": "connections", "photos": [photo_file]}
    )
    assert response.status_code == 302
    photo = Photo.objects.get()  # audience-ok: test
    assert (photo.width, photo.height) == (40, 80)
    image = Image.open(io.BytesIO(_stored(photo, "display"))).convert("RGB")
    red, green, blue = image.getpixel((image.width - 3, 3))
    assert blue > 150 and red < 100  # the blue corner, now at the top right
    assert image.getpixel((3, 3))[0] > 150  # red where it was not
