"""Photo links in the digest email: absolute, since mail clients have no page to resolve from."""

from social.storage import photo_link_for


def photo_thumbnail_absolute_url(photo, *, recipient) -> str:
    """An absolute URL of `photo`'s thumbnail that works for `recipient` without a session.

    S3/R2: the presigned URL. Local storage: the permission-checked thumbnail view with a
    signed token naming the recipient, so the audience rule is still applied as them.
    """
    return photo_link_for(photo, "thumb", viewer_id=recipient.pk)
