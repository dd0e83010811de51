"""Build and email weekly digests now (what the hourly beat job does, for everyone at once)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from digest.selectors import digest_select
from digest.services import (
    ALREADY_DONE,
    SENT,
    SKIPPED_DISABLED,
    SKIPPED_EMPTY,
    digest_deliver,
)
from digest.weeks import WeekError, week_last_completed, week_parse
from social.models import User


class Command(BaseCommand):
    help = (
        "Build and email the weekly digest: by default each person's last completed week in "
        "their own timezone. Never emails the same person's week twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week YYYY-Www (default: each person's last week)")
        parser.add_argument("--user", help="only this username")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be sent; build, store and send nothing",
        )

    def handle(self, *args, week=None, user=None, dry_run=False, **options):
        try:
            fixed_week = week_parse(week) if week else None
        except WeekError as error:
            raise CommandError(str(error)) from None
        users = User.objects.filter(is_active=True).order_by("pk")
        if user:
            users = users.filter(username__iexact=user)
            if not users.exists():
                raise CommandError(f"No active user named “{user}”.")
        now = timezone.now()
        counts = {"built": 0, "emailed": 0, "skipped": 0, "failed": 0}
        for person in users.iterator(chunk_size=500):
            person_week = fixed_week or week_last_completed(person.timezone, now=now)
            if person_week >= week_last_completed(person.timezone, now=now).shifted(1):
                self.stderr.write(f"  {person.username}: {person_week} is not over yet, skipped")
                counts["skipped"] += 1
                continue
            label = f"  {person.username} {person_week}:"
            if dry_run:
                self._dry_run(person, person_week, label, counts)
                continue
            had_digest = person.digests.filter(week=str(person_week)).exists()
            try:
                outcome = digest_deliver(user_id=person.pk, week=person_week)
            except Exception as error:  # report, and carry on with the others
                counts["failed"] += 1
                counts["built"] += 0 if had_digest else 1
                self.stderr.write(f"{label} FAILED ({error!r})")
                continue
            if outcome != SKIPPED_DISABLED and not had_digest:
                counts["built"] += 1
            if outcome == SENT:
                counts["emailed"] += 1
            else:
                counts["skipped"] += 1
            reason = {
                SENT: "emailed",
                SKIPPED_EMPTY: "skipped (nothing this week)",
                SKIPPED_DISABLED: "skipped (email off)",
                ALREADY_DONE: "skipped (already emailed)",
            }[outcome]
            self.stdout.write(f"{label} {reason}")
        self._summary(counts, dry_run)

    def _dry_run(self, person, week, label, counts):
        if not person.digest_email_enabled:
            counts["skipped"] += 1
            self.stdout.write(f"{label} would skip (email off)")
            return
        stored = person.digests.filter(week=str(week)).first()
        if stored is not None and stored.emailed_at:
            counts["skipped"] += 1
            self.stdout.write(f"{label} would skip (already emailed)")
            return
        posts = digest_select(recipient=person, week=week)
        if stored is None:
            counts["built"] += 1
        if posts:
            counts["emailed"] += 1
            self.stdout.write(f"{label} would email {len(posts)} post(s)")
        else:
            counts["skipped"] += 1
            self.stdout.write(f"{label} would skip (nothing this week)")

    def _summary(self, counts, dry_run):
        prefix = "Dry run, nothing sent: " if dry_run else ""
        line = ", ".join(f"{key} {value}" for key, value in counts.items())
        style = self.style.ERROR if counts["failed"] else self.style.SUCCESS
        self.stdout.write(style(f"{prefix}{line}."))
