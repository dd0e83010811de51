"""Photo links in the digest email: absolute, since mail clients have no page to resolve from."""

from django.conf import settings

from social.storage import photo_url


def photo_thumbnail_absolute_url(photo) -> str:
    """An absolute URL of `photo`'s thumbnail, from the social photo URL helper.

    S3/R2: the presigned URL (already absolute). Local storage: the permission-checked
    thumbnail view under SITE_URL (the reader's browser session decides what it may load).
    """
    url = photo_url(photo, "thumb")
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url
