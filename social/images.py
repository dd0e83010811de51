"""Image intake (SPEC §2): decode with Pillow, refuse what is not a safe image, re-encode.

Nothing of the upload survives but its pixels: the extension, Content-Type, file name and all
metadata (EXIF, GPS, XMP, ICC profiles, PNG text chunks, JPEG and GIF comments) are dropped; the
EXIF orientation is applied first. The stored image is built from the pixels alone
(`_pixels_only`), never from the decoded image: Pillow's encoders write some of a decoded image's
`info` back out by default (a JPEG or GIF comment into the JPEG, an ICC profile into the PNG).

HEIC/HEIF (phone photos) is read by the pillow-heif plugin, registered below: Pillow then opens
it like any other format (format "HEIF"), and it is re-encoded like the rest.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# Image.open recognises HEIC/HEIF from the file's content (its "ftyp" box), never its name.
register_heif_opener()

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF"}
# What the messages and file pickers list.
FORMATS_TEXT = gettext_lazy("JPEG, PNG, WebP, GIF or HEIC")
ACCEPT = "image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,.heic,.heif"

# Refuse decompression bombs outright instead of only warning (Pillow's default).
Image.MAX_IMAGE_PIXELS = None  # checked explicitly below, from the header, before decoding


@dataclass(frozen=True)
class EncodedImage:
    content: bytes
    width: int
    height: int
    content_type: str
    extension: str


def image_decode(upload) -> Image.Image:
    """A fully decoded, upright RGB/RGBA image from an uploaded file, or ValidationError."""
    max_bytes = settings.PHOTO_MAX_BYTES
    max_pixels = settings.PHOTO_MAX_PIXELS
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("Images can be at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Use a %(formats)s image.") % {"formats": FORMATS_TEXT},
                    code="unsupported_format",
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("Images can be at most %(mp)s megapixels.") % {"mp": max_pixels // 1_000_000},
                    code="too_many_pixels",
                )
            image.load()  # decodes everything: truncated or corrupt data fails here
            image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This file is not an image we can use (%(formats)s).") % {"formats": FORMATS_TEXT},
            code="invalid",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            _("This image is damaged or incomplete; try another file."), code="corrupt"
        ) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding `image`'s pixels and nothing else (an empty `info`)."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image, (0, 0))
    return clean


def image_encode(image: Image.Image, *, max_side: int) -> EncodedImage:
    """Scale `image` down to fit `max_side` and encode it afresh, with no metadata at all."""
    copy = _pixels_only(image)
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if copy.mode == "RGBA":
        copy.save(buffer, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        copy.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
        content_type, extension = "image/jpeg", "jpg"
    return EncodedImage(buffer.getvalue(), copy.width, copy.height, content_type, extension)
