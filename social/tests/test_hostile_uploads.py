"""Hostile uploads (issue 7, acceptance 3), with the real limits of SPEC §2 (10 MB, 40
megapixels) and §7 (45 MB a request): each refused with a clear message, or cleaned, with no
post, no photo row and no file left in storage — on the API and on the compose form alike."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.test.client import FakePayload
from PIL import Image

from social.models import Photo, Post
from social.tests.helpers import (
    METADATA_IMAGES,
    assert_pixels_only,
    image_bytes,
    metadata_upload,
    network,
    upload,
)

pytestmark = pytest.mark.django_db


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` (its data is a few bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def decompression_bomb() -> bytes:
    """A real, complete PNG of 8,000 × 8,000 (64 megapixels) that compresses to a few KB."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)

# name → (file name, content type, content, API status, message on both surfaces)
REFUSED = {
    "non-image renamed .jpg": (
        "holiday.jpg",
        "image/jpeg",
        lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" * 50,
        400,
        "This file is not an image we can use",
    ),
    "svg": ("drawing.svg", "image/svg+xml", lambda: SVG, 400, "not an image we can use"),
    # Named, typed and even boxed like a phone photo ("ftypheic"), with nothing decodable in it.
    "only claims to be heic": (
        "IMG_0001.HEIC",
        "image/heic",
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"not a photo" * 40,
        400,
        "This file is not an image we can use (JPEG, PNG, WebP, GIF or HEIC).",
    ),
    "truncated jpeg": (
        "cut.jpg",
        "image/jpeg",
        lambda: image_bytes(size=(600, 400))[:1500],
        400,
        "This image is damaged or incomplete",
    ),
    "decompression bomb": (
        "bomb.png",
        "image/png",
        decompression_bomb,
        400,
        "Images can be at most 40 megapixels",
    ),
    "50000 x 50000 header": (
        "huge.png",
        "image/png",
        lambda: png_claiming(50_000, 50_000),
        400,
        "Images can be at most 40 megapixels",
    ),
    "12 MB file": (
        "big.jpg",
        "image/jpeg",
        lambda: image_bytes(size=(64, 64)) + b"\0" * (12 * 1024 * 1024),
        413,
        "Images can be at most 10 MB",
    ),
}


@pytest.fixture
def net(settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def stored_files() -> list[Path]:
    root = Path(default_storage.location)
    return sorted(path for path in root.rglob("*") if path.is_file())


def _assert_nothing_stored():
    assert not Post.objects.exists()  # audience-ok: test
    assert not Photo.objects.exists()  # audience-ok: test
    assert stored_files() == []


def _api(net):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    token = RefreshToken.for_user(net["author"]).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _page(net) -> Client:
    client = Client()
    client.force_login(net["author"])
    return client


@pytest.mark.parametrize("case", list(REFUSED))
def test_api_refuses(case, net):
    name, content_type, make, status, message = REFUSED[case]
    photo = upload(make(), name, content_type)
    response = _api(net).post(
        "/api/v1/posts/", {"body": "look", "photos": [photo]}, format="multipart"
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == ("payload_too_large" if status == 413 else "validation_error")
    assert message in error["fields"]["photos"][0]
    _assert_nothing_stored()


@pytest.mark.parametrize("case", list(REFUSED))
def test_compose_form_refuses(case, net):
    name, content_type, make, status, message = REFUSED[case]
    photo = upload(make(), name, content_type)
    response = _page(net).post(
        "/posts/new/", {"body": "look", "audience": "connections", "photos": [photo]}
    )
    assert response.status_code == status
    html = response.content.decode()
    # The message sits next to the photos field, and the typed text is kept.
    field = html[html.index('for="id_photos"') :]
    assert message in field[: field.index("</div>", field.index("field-error"))]
    assert "look</textarea>" in html
    _assert_nothing_stored()


@pytest.mark.parametrize("surface", ["api", "page"])
def test_gps_exif_is_cleaned(surface, net):
    content = image_bytes(size=(640, 480), gps=True)
    assert b"SecretCam" in content and Image.open(io.BytesIO(content)).getexif().get_ifd(0x8825)
    photo = upload(content, "gps.jpg")
    if surface == "api":
        response = _api(net).post(
            "/api/v1/posts/", {"body": "here", "photos": [photo]}, format="multipart"
        )
        assert response.status_code == 201
    else:
        response = _page(net).post(
            "/posts/new/", {"body": "here", "audience": "connections", "photos": [photo]}
        )
        assert response.status_code == 302
    stored = Photo.objects.get()  # audience-ok: test
    files = stored_files()
    assert len(files) == 2  # the display version and the thumbnail, nothing else
    for key in stored.storage_keys():
        with default_storage.open(key) as handle:
            data = handle.read()
        image = Image.open(io.BytesIO(data))
        assert len(image.getexif()) == 0
        assert b"SecretCam" not in data and b"Exif" not in data
        assert Path(key).name != "gps.jpg"


@pytest.mark.parametrize("surface", ["api", "page"])
@pytest.mark.parametrize("case", list(METADATA_IMAGES))
def test_only_pixels_are_stored(case, surface, net):
    """Comments, text chunks, ICC profiles, XMP and EXIF: none of it reaches the stored display
    version or thumbnail, whatever the format (SPEC §2)."""
    photo = metadata_upload(case)
    if surface == "api":
        response = _api(net).post(
            "/api/v1/posts/", {"body": "here", "photos": [photo]}, format="multipart"
        )
        assert response.status_code == 201
    else:
        response = _page(net).post(
            "/posts/new/", {"body": "here", "audience": "connections", "photos": [photo]}
        )
        assert response.status_code == 302
    stored = Photo.objects.get()  # audience-ok: test
    assert len(stored_files()) == 2
    for key in stored.storage_keys():
        with default_storage.open(key) as handle:
            assert_pixels_only(handle.read())


class Unreadable(FakePayload):
    def read(self, *args, **kwargs):
        raise AssertionError("the body must not be read")


@pytest.mark.parametrize("url", ["/api/v1/posts/", "/posts/new/"])
def test_a_50_mb_request_is_refused_before_it_is_read(url, net):
    client = _api(net) if url.startswith("/api/") else _page(net)
    response = client.generic(
        "POST",
        url,
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": Unreadable(b"")},
    )
    assert response.status_code == 413
    if url.startswith("/api/"):
        assert response.json()["error"]["type"] == "payload_too_large"
    else:
        assert "too large" in response.content.decode().lower()
    _assert_nothing_stored()


def test_a_real_50_mb_body_is_refused(net):
    """The same through a whole request: four photos of 12.5 MB each."""
    photos = [upload(b"\xff\xd8" + b"\0" * (12_500_000), f"p{n}.jpg") for n in range(4)]
    response = _page(net).post(
        "/posts/new/", {"body": "x", "audience": "connections", "photos": photos}
    )
    assert response.status_code == 413
    _assert_nothing_stored()


@pytest.mark.parametrize("case", list(REFUSED))
def test_avatar_form_refuses(case, net):
    name, content_type, make, _status, message = REFUSED[case]
    client = _page(net)
    response = client.post(
        "/settings/",
        {
            "display_name": "Changed",
            "bio": "",
            "timezone": "UTC",
            "avatar": upload(make(), name, content_type),
        },
    )
    html = response.content.decode()
    field = html[html.index('for="id_avatar"') :]
    assert message in field[: field.index("</div>", field.index("field-error"))]
    net["author"].refresh_from_db()
    assert net["author"].avatar_key == "" and net["author"].display_name != "Changed"
    assert stored_files() == []
