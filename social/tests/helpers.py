"""Test helpers of the social app: images to upload and a small network."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from social.tests.factories import UserFactory


def image_bytes(
    *, size=(40, 20), fmt="JPEG", color=(200, 40, 40), orientation=None, gps=False
) -> bytes:
    """An image; optionally with an EXIF orientation, GPS position and camera name."""
    image = Image.new("RGB", size, color)
    # A distinct top-left corner, to tell rotations apart.
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    buffer = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "SecretCam"
        if orientation:
            exif[ExifTags.Base.Orientation] = orientation
        if gps:
            exif[ExifTags.IFD.GPSInfo] = {
                ExifTags.GPS.GPSLatitudeRef: "N",
                ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
                ExifTags.GPS.GPSLongitudeRef: "E",
                ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
            }
        image.save(buffer, format="JPEG", exif=exif.tobytes())
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def upload(content: bytes | None = None, name: str = "photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(), content_type)


def network():
    """An author with a "family" tag, a tagged and an untagged connection, and a stranger."""
    author = UserFactory(username="author")
    tagged, untagged, stranger = (
        UserFactory(username="tagged"),
        UserFactory(username="untagged"),
        UserFactory(username="stranger"),
    )
    connect(author, tagged)
    connect(untagged, author)
    family = TagFactory(owner=author, name="family")
    TagMembershipFactory(tag=family, target=tagged)
    return {
        "author": author,
        "tagged": tagged,
        "untagged": untagged,
        "stranger": stranger,
        "family": family,
    }
