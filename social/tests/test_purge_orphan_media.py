"""manage.py purge_orphan_media: only files nothing refers to, only once they are old enough."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from social.models import Photo
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("purge_orphan_media", *args, stdout=out)
    return out.getvalue()


def test_purges_only_unreferenced_old_files():
    user = UserFactory()
    kept_avatar = default_storage.save("avatars/kept.jpg", ContentFile(b"a"))
    user.avatar_key = kept_avatar
    user.save(update_fields=["avatar_key"])
    display = default_storage.save("photos/display.jpg", ContentFile(b"d"))
    thumb = default_storage.save("photos/thumb.jpg", ContentFile(b"t"))
    Photo.objects.create(
        post=PostFactory(author=user), position=0, display_key=display, thumbnail_key=thumb,
        width=1, height=1, thumbnail_width=1, thumbnail_height=1,
    )  # fmt: skip
    orphan = default_storage.save("photos/orphan.jpg", ContentFile(b"o"))

    # Fresh files are left alone: an upload may still be committing.
    assert "0 orphans" in _run()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        dry = _run("--dry-run")
        assert f"would delete {orphan}" in dry and "1 orphans would be deleted" in dry
        assert default_storage.exists(orphan)
        real = _run()
    assert "4 files scanned, 1 orphans deleted." in real
    assert not default_storage.exists(orphan)
    for key in (kept_avatar, display, thumb):
        assert default_storage.exists(key)


def test_export_zips_are_kept_for_their_keep_time_only(settings):
    from social.models import DataExport

    settings.EXPORT_KEEP_DAYS = 7
    user = UserFactory()
    fresh = default_storage.save("exports/fresh.zip", ContentFile(b"z"))
    DataExport.objects.create(user=user, status="ready", file_key=fresh)
    old = default_storage.save("exports/old.zip", ContentFile(b"z"))
    DataExport.objects.create(
        user=user, status="ready", file_key=old, created_at=timezone.now() - timedelta(days=3)
    )
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        out = _run()
    assert "2 files scanned, 1 orphans deleted." in out
    assert default_storage.exists(fresh) and not default_storage.exists(old)
