"""Photo files in the default storage (local folder or a private S3/R2 bucket), timed.

Local files are never under a public URL: pages and the API link to the permission-checked
photo view. In S3/R2 mode they link to presigned URLs that expire (AWS_QUERYSTRING_EXPIRE);
each is cached for half its lifetime, so a photo keeps one URL that long and browsers can cache
it. The cache is keyed by the storage key, never by a viewer, and a URL is only ever handed out
after `visible_to` let the viewer see the photo.
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from intentional.links import link
from intentional.metrics import STORAGE_SECONDS

logger = logging.getLogger(__name__)

VARIANTS = ("display", "thumb")


def storage_is_remote() -> bool:
    """Whether photos live in a bucket (served by presigned URLs) rather than a local folder."""
    return hasattr(default_storage, "bucket_name")


def storage_save(*, folder: str, content: bytes, extension: str) -> str:
    """Store `content` under a fresh random key and return the key."""
    name = f"{folder}/{secrets.token_urlsafe(18)}.{extension}"
    with STORAGE_SECONDS.labels(operation="save").time():
        return default_storage.save(name, ContentFile(content))


def storage_delete(keys: list[str]) -> None:
    """Delete stored files; a missing file is not an error (deletes are retried)."""
    for key in keys:
        if not key:
            continue
        with STORAGE_SECONDS.labels(operation="delete").time():
            default_storage.delete(key)
    if storage_is_remote():
        cache.delete_many([_presigned_cache_key(key) for key in keys if key])


def storage_delete_quietly(keys: list[str]) -> None:
    """Best-effort delete of files nothing refers to (a failed upload's leftovers)."""
    try:
        storage_delete(keys)
    except Exception:  # purge_orphan_media collects what this could not delete
        logger.exception("could not delete stored files %s", keys)


def _presigned_cache_key(key: str) -> str:
    bucket = getattr(default_storage, "bucket_name", "")
    return "presigned:" + hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()[:40]


def presigned_url(key: str) -> str:
    """A presigned URL of `key`, the same one for half its lifetime (then a fresh one, which
    still has half its lifetime left when handed out). Call only after a permission check."""
    cache_key = _presigned_cache_key(key)
    url = cache.get(cache_key)  # None also when the cache is down: presign anew
    if url is None:
        with STORAGE_SECONDS.labels(operation="presign").time():
            url = default_storage.url(key)
        window = max(1, getattr(default_storage, "querystring_expire", 3600) // 2)
        cache.set(cache_key, url, timeout=window)
    return url


def photo_etag(key: str) -> str:
    """An ETag for a stored file: keys are random and a file under a key never changes."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'


def photo_url(photo, variant: str, request=None) -> str:
    """Where a browser or client fetches a photo: presigned (S3/R2) or the checked view."""
    if storage_is_remote():
        return presigned_url(photo.display_key if variant == "display" else photo.thumbnail_key)
    path = link("social:photo", photo.pk, variant)
    return request.build_absolute_uri(path) if request is not None else path


def photo_urls_for(request=None):
    """`photo_url` for the many photos of one request, with the same results: the host part
    is made once instead of once per photo."""
    if storage_is_remote():
        return lambda photo, variant: photo_url(photo, variant, request)
    host = request.build_absolute_uri("/")[:-1] if request is not None else ""
    return lambda photo, variant: host + link("social:photo", photo.pk, variant)


_PHOTO_LINK_SALT = "social.photo-link"


def photo_link_for(photo, variant: str, *, viewer_id: int) -> str:
    """An absolute link to `photo` that works without a session, as `viewer_id` (emails).

    The link names who it was made for; the photo view still applies `visible_to` for that
    person at each request, so a permission change hides the photo at once."""
    if storage_is_remote():
        return photo_url(photo, variant)
    token = signing.dumps({"u": viewer_id, "p": photo.pk}, salt=_PHOTO_LINK_SALT, compress=True)
    return f"{settings.SITE_URL}{photo_url(photo, variant)}?t={token}"


def photo_link_viewer_id(token: str, *, photo_id: int) -> int | None:
    """The person a photo link was made for, if the token is genuine, unexpired and for
    this photo; None otherwise."""
    try:
        data = signing.loads(token, salt=_PHOTO_LINK_SALT, max_age=settings.PHOTO_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != photo_id:
        return None
    return data.get("u")
