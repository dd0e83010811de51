"""Write one person's data export (the zip of /settings/ "Export my data") to a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from social.exports import export_filename, export_write
from social.models import User


class Command(BaseCommand):
    help = (
        "Export everything USERNAME owns (profile, posts, photo files, comments, connections, "
        "tags, invitations, digests) as a zip: JSON in data.json plus the files."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--output",
            "-o",
            help="Zip file to write (default: intentional-export-USERNAME.zip here).",
        )

    def handle(self, *args, username: str, output: str | None, **options):
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        path = Path(output or export_filename(user))
        if path.exists():
            raise CommandError(f"{path} already exists; choose another --output.")
        self.stdout.write(f"Exporting {user.username} to {path} ...")
        with path.open("wb") as target:
            count = export_write(user=user, target=target, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(f"Done: {count} files, {path.stat().st_size:,} bytes in {path}.")
        )
