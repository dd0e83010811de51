"""Test helpers of the social app: images to upload and a small network."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

import social.images  # noqa: F401  (registers the HEIC/HEIF plugin with Pillow)
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


# Written into every kind of metadata of METADATA_IMAGES; none of it may be stored (SPEC §2).
SECRET = "Taken at 12 Secret Street"


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _icc_profile_with_text() -> bytes:
    """An sRGB ICC profile with SECRET as text inside it (after its tags, as some tools do)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile + SECRET.encode()


def _png_text() -> PngImagePlugin.PngInfo:
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Comment", SECRET)  # tEXt
    chunks.add_text("Location", SECRET, zip=True)  # zTXt
    chunks.add_itxt("Description", SECRET, lang="en", tkey="Description")  # iTXt
    return chunks


def _exif_with_text() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = SECRET
    return exif.tobytes()


def _xmp() -> bytes:
    description = f"<rdf:Description>{SECRET}</rdf:Description>"
    return f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{description}</x:xmpmeta>'.encode()


def _rgb() -> Image.Image:
    return Image.new("RGB", (64, 48), (30, 140, 90))


def _rgba() -> Image.Image:
    return Image.new("RGBA", (64, 48), (30, 140, 90, 128))


# name → (file name, content type, make the bytes): each carries SECRET in its metadata.
METADATA_IMAGES = {
    "jpeg comment": ("a.jpg", "image/jpeg", lambda: _saved(_rgb(), "JPEG", comment=SECRET)),
    "jpeg icc profile": (
        "b.jpg",
        "image/jpeg",
        lambda: _saved(_rgb(), "JPEG", icc_profile=_icc_profile_with_text()),
    ),
    "jpeg exif and xmp": (
        "c.jpg",
        "image/jpeg",
        lambda: _saved(_rgb(), "JPEG", exif=_exif_with_text(), xmp=_xmp()),
    ),
    "gif comment": (
        "d.gif",
        "image/gif",
        lambda: _saved(_rgb().convert("P"), "GIF", comment=SECRET),
    ),
    "png text chunks": ("e.png", "image/png", lambda: _saved(_rgb(), "PNG", pnginfo=_png_text())),
    "png with alpha, text and icc": (
        "f.png",
        "image/png",
        lambda: _saved(_rgba(), "PNG", pnginfo=_png_text(), icc_profile=_icc_profile_with_text()),
    ),
    "webp xmp and exif": (
        "g.webp",
        "image/webp",
        lambda: _saved(_rgb(), "WEBP", exif=_exif_with_text(), xmp=_xmp()),
    ),
    "webp with alpha, icc": (
        "h.webp",
        "image/webp",
        lambda: _saved(_rgba(), "WEBP", icc_profile=_icc_profile_with_text(), xmp=_xmp()),
    ),
    # A phone photo: HEIC, written by the pillow-heif plugin that social.images registers.
    "heic exif and xmp": (
        "IMG_0042.HEIC",
        "image/heic",
        lambda: _saved(_rgb(), "HEIF", exif=_exif_with_text(), xmp=_xmp()),
    ),
}


def metadata_upload(case: str):
    """An upload of METADATA_IMAGES[case], checked to really carry SECRET."""
    name, content_type, make = METADATA_IMAGES[case]
    content = make()
    assert SECRET.encode() in content or SECRET.encode("utf-16-be") in content, case
    return upload(content, name, content_type)


def assert_pixels_only(data: bytes) -> None:
    """Stored image bytes carry no metadata: no SECRET, no comment, EXIF, ICC or XMP."""
    assert SECRET.encode() not in data and SECRET.encode("utf-16-be") not in data
    assert b"Secret" not in data
    image = Image.open(io.BytesIO(data))
    leftovers = {"comment", "exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(image.info)
    assert not leftovers, leftovers
    assert not image.getexif()
    assert not getattr(image, "text", {})  # PNG tEXt/zTXt/iTXt


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
