"""Delete stored files that no row refers to (leftovers of failed deletes or uploads)."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from social.exports import exports_available_keys
from social.models import Photo, User
from social.storage import storage_delete

# Files live under these folders (social.storage.storage_save, social.services avatars,
# social.exports background export zips).
MEDIA_FOLDERS = ("photos", "avatars", "exports")


def _stored_keys(folder: str):
    """Every key under `folder`, recursively (filesystem and S3 alike)."""
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _stored_keys(f"{folder}/{directory}")


class Command(BaseCommand):
    help = (
        "Delete photo and avatar files that no post or profile refers to. Files younger than "
        "--grace-minutes are kept: an upload may still be committing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")
        parser.add_argument("--grace-minutes", type=int, default=60)

    def handle(self, *args, dry_run: bool, grace_minutes: int, **options):
        referenced = set(
            Photo.objects.values_list("display_key", flat=True)  # audience-ok: operator scan
        )
        referenced |= set(
            Photo.objects.values_list("thumbnail_key", flat=True)  # audience-ok: operator scan
        )
        referenced |= set(User.objects.exclude(avatar_key="").values_list("avatar_key", flat=True))
        # Export zips are kept for EXPORT_KEEP_DAYS; older ones are orphans.
        referenced |= set(exports_available_keys())
        cutoff = timezone.now() - timedelta(minutes=grace_minutes)
        scanned = orphans = 0
        for folder in MEDIA_FOLDERS:
            for key in _stored_keys(folder):
                scanned += 1
                if key in referenced or default_storage.get_modified_time(key) > cutoff:
                    continue
                orphans += 1
                self.stdout.write(f"  {'would delete' if dry_run else 'deleting'} {key}")
                if not dry_run:
                    storage_delete([key])
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{scanned} files scanned, {orphans} orphans {verb}."))
