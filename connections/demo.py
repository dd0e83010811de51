"""The social graph of `manage.py seed_demo` (idempotent)."""

from django.utils import timezone

from connections.models import Connection, Tag, TagMembership

ACCEPTED = [
    ("alice", "bob"),
    ("alice", "carol"),
    ("alice", "dan"),
    ("bob", "carol"),
    ("carol", "erin"),
    ("bob", "dan"),
]
# (requester, recipient): left waiting, so the requests lists have something to show.
PENDING = [("erin", "alice"), ("dan", "erin")]
# owner → {tag name: [members]}
TAGS = {"alice": {"family": ["bob"], "climbing crew": ["dan"]}, "carol": {"tokyo": []}}


def _pair(people: dict, first: str, second: str, *, accepted: bool) -> bool:
    """Store the pair once (a < b) unless it exists; True if it was created."""
    user, other = people[first], people[second]
    low, high = sorted([user, other], key=lambda person: person.pk)
    _connection, created = Connection.objects.get_or_create(
        user_a=low,
        user_b=high,
        defaults={
            "requested_by": user,
            "status": Connection.Status.ACCEPTED if accepted else Connection.Status.PENDING,
            "accepted_at": timezone.now() if accepted else None,
        },
    )
    return created


def demo_seed_graph(people: dict, stdout) -> None:
    """Connections, tags and memberships between the demo people."""
    # Written directly rather than through the services: seeding must not send emails.
    made = sum(_pair(people, a, b, accepted=True) for a, b in ACCEPTED)
    made += sum(_pair(people, a, b, accepted=False) for a, b in PENDING)
    stdout.write(f"  connections: {made} created, {len(ACCEPTED) + len(PENDING) - made} kept")
    for owner, tags in TAGS.items():
        for name, members in tags.items():
            tag, _created = Tag.objects.get_or_create(owner=people[owner], name=name)
            for member in members:
                TagMembership.objects.get_or_create(tag=tag, target=people[member])
    stdout.write("  tags: alice's “family” (bob) and “climbing crew” (dan)")
