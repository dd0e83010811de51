"""The social graph of `manage.py seed_demo` (idempotent).

Old friendships: every connection was made months or years before the demo week of posts, so
"since" on the people page is older than anything in the feed. Dan joined through alice's
invitation; the two open requests were sent a few days ago.
"""

from datetime import timedelta

from django.utils import timezone

from connections.models import Connection, Invitation, Tag, TagMembership

# (requester, recipient, accepted this many days ago; the request went out a day earlier)
ACCEPTED = [
    ("alice", "bob", 985),
    ("alice", "carol", 715),
    ("bob", "carol", 700),
    ("alice", "dan", 400),  # through alice's invitation (INVITED below): no request
    ("bob", "dan", 380),
    ("carol", "erin", 305),
]
# (requester, recipient, sent this many days ago): left waiting, so the requests lists have
# something to show.
PENDING = [("erin", "alice", 3), ("dan", "erin", 5)]
# (inviter, invitee, used this many days ago, two days after it was made)
INVITED = [("alice", "dan", 400)]
# alice's open invitation link, made this many days ago.
OPEN_INVITATION_DAYS_AGO = 1
# owner → {tag name: [members]}
TAGS = {"alice": {"family": ["bob"], "climbing crew": ["dan"]}, "carol": {"tokyo": []}}
TAGS_DAYS_AGO = 300
# When each demo person signed up (before any connection of theirs).
JOINED_DAYS_AGO = {"alice": 1000, "bob": 990, "carol": 720, "dan": 400, "erin": 310}


def _pair(people: dict, first: str, second: str, *, days_ago: int, accepted: bool) -> bool:
    """Store the pair once (a < b) unless it exists; True if it was created."""
    user, other = people[first], people[second]
    low, high = sorted([user, other], key=lambda person: person.pk)
    when = timezone.now() - timedelta(days=days_ago)
    invited = any(row[:2] == (first, second) for row in INVITED)
    _connection, created = Connection.objects.get_or_create(
        user_a=low,
        user_b=high,
        defaults={
            "requested_by": user,
            "status": Connection.Status.ACCEPTED if accepted else Connection.Status.PENDING,
            "created_at": when if invited or not accepted else when - timedelta(days=1),
            "accepted_at": when if accepted else None,
        },
    )
    return created


def _invitations(people: dict) -> int:
    """The used invitation(s) of INVITED and alice's open link, once; how many were made."""
    now = timezone.now()
    made = 0
    for inviter, invitee, days_ago in INVITED:
        used_at = now - timedelta(days=days_ago)
        _invitation, created = Invitation.objects.get_or_create(
            inviter=people[inviter],
            used_by=people[invitee],
            defaults={
                "created_at": used_at - timedelta(days=2),
                "expires_at": used_at + timedelta(days=12),
                "used_at": used_at,
            },
        )
        made += created
    alice = people["alice"]
    if not Invitation.objects.filter(inviter=alice, used_by__isnull=True).exists():
        made_at = now - timedelta(days=OPEN_INVITATION_DAYS_AGO)
        Invitation.objects.create(
            inviter=alice, created_at=made_at, expires_at=made_at + timedelta(days=14)
        )
        made += 1
    return made


def demo_seed_graph(people: dict, stdout) -> None:
    """Connections, invitations, tags and memberships between the demo people."""
    # Written directly rather than through the services: seeding must not send emails.
    made = sum(_pair(people, a, b, days_ago=days, accepted=True) for a, b, days in ACCEPTED)
    made += sum(_pair(people, a, b, days_ago=days, accepted=False) for a, b, days in PENDING)
    stdout.write(f"  connections: {made} created, {len(ACCEPTED) + len(PENDING) - made} kept")
    stdout.write(f"  invitations: {_invitations(people)} created")
    since = timezone.now() - timedelta(days=TAGS_DAYS_AGO)
    for owner, tags in TAGS.items():
        for name, members in tags.items():
            tag, _created = Tag.objects.get_or_create(
                owner=people[owner], name=name, defaults={"created_at": since}
            )
            for member in members:
                TagMembership.objects.get_or_create(
                    tag=tag, target=people[member], defaults={"created_at": since}
                )
    stdout.write("  tags: alice's “family” (bob) and “climbing crew” (dan)")
