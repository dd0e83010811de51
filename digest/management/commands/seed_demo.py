"""A small demo network to look around in (idempotent): people, then each app's demo from the
bottom up (connections' graph, social's posts, digest's digests). It lives in digest, the
top product app, because it uses all three."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone as django_timezone

from connections.demo import JOINED_DAYS_AGO, demo_seed_graph
from digest.demo import demo_seed_digest
from social.demo import demo_seed_posts
from social.models import User

DEMO_PASSWORD = "intentional-demo"
DEMO_PEOPLE = [
    ("alice", "Alice Moreau", "Climber, baker, aunt of three.", "Europe/Paris"),
    ("bob", "Bob Okafor", "Dad of twins. Amateur astronomer.", "America/New_York"),
    ("carol", "Carol Tanaka", "Moved to Tokyo last spring.", "Asia/Tokyo"),
    ("dan", "Dan Smith", "Cyclist. Learning the cello, slowly.", "America/Los_Angeles"),
    ("erin", "Erin Walsh", "Gardener and grandmother.", "Europe/Dublin"),
]


class Command(BaseCommand):
    help = "Create (or refresh) a small demo network and print how to log in. Safe to re-run."

    @transaction.atomic
    def handle(self, *args, **options):
        people = {}
        for username, display_name, bio, timezone in DEMO_PEOPLE:
            email = f"{username}@example.com"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": email,
                    "display_name": display_name,
                    "bio": bio,
                    "timezone": timezone,
                    # Before any of their connections: the demo network is years old.
                    "date_joined": django_timezone.now()
                    - timedelta(days=JOINED_DAYS_AGO[username]),
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"primary": True, "verified": True}
            )
            people[username] = user
            self.stdout.write(f"  {'created' if created else 'kept'} {username}")
        demo_seed_graph(people, self.stdout)
        demo_seed_posts(people, self.stdout)
        demo_seed_digest(people, self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network ready. Log in as alice (or alice@example.com) / {DEMO_PASSWORD}; "
                f"also {', '.join(p[0] for p in DEMO_PEOPLE[1:])} with the same password."
            )
        )
