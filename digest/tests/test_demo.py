"""The demo digests (`manage.py seed_demo`): last week has posts and digests, once."""

import io
from itertools import combinations

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from connections.tests.factories import connect
from digest.demo import DEMO_MEMORY_POSTS, DEMO_WEEK_POSTS, demo_seed_digest
from digest.models import Digest, DigestEntry
from digest.weeks import Week, week_last_completed
from social.models import Photo, Post, User
from social.tests.factories import UserFactory

ZONES = {
    "alice": "Europe/Paris",
    "bob": "America/New_York",
    "carol": "Asia/Tokyo",
    "dan": "America/Los_Angeles",
    "erin": "Europe/Dublin",
}


# Monday 16 Feb 03:00 UTC: still Sunday 15 Feb in New York and Los Angeles, so bob's and
# dan's last completed week is W06 while everyone else's is W07.
@time_machine.travel("2026-02-16 03:00:00+00:00", tick=False)
def test_demo_digests_cover_each_persons_last_week_once(db):
    people = {name: UserFactory(username=name, timezone=zone) for name, zone in ZONES.items()}
    for first, second in combinations(people.values(), 2):
        connect(first, second)
    out = io.StringIO()

    demo_seed_digest(people, out)

    expected_weeks = {"alice": "2026-W07", "carol": "2026-W07", "erin": "2026-W07"}
    expected_weeks |= {"bob": "2026-W06", "dan": "2026-W06"}
    digests = {digest.user.username: digest for digest in Digest.objects.select_related("user")}
    assert {name: digest.week for name, digest in digests.items()} == expected_weeks
    # The posts went into both weeks, at noon UTC on weekdays: inside the week everywhere.
    assert Post.objects.filter(created_at__year=2026).count() == 2 * len(DEMO_WEEK_POSTS)
    for post in Post.objects.all():
        assert post.created_at.hour == 12 and post.created_at.isoweekday() in range(2, 6)
    # And alice's memories into the same weeks a year before (only her private one: these
    # people have no "family" tag); her digest shows it "From past years".
    memories = Post.objects.filter(created_at__year=2025)
    assert {(post.author.username, post.audience) for post in memories} == {("alice", "private")}
    assert {Week(2025, week) for week in memories.values_list("created_at__week", flat=True)} == {
        Week(2025, 6),
        Week(2025, 7),
    }
    assert list(digests["alice"].memories.values_list("post__created_at__week", flat=True)) == [7]
    assert "2 a year before it" in out.getvalue()
    assert Photo.objects.count() == 2 * sum(len(row[4]) for row in DEMO_WEEK_POSTS)
    # Everyone's digest shows the others' posts of their week (not their own).
    for name, digest in digests.items():
        start, end = Week(*map(int, digest.week.split("-W"))).bounds(ZONES[name])
        shown = list(
            digest.entries.order_by("position").values_list(
                "post__author__username", "post__created_at"
            )
        )
        assert shown, name
        assert all(author != name and start <= when < end for author, when in shown)
    carol_lease = Post.objects.get(author__username="carol", created_at__week=7)
    assert carol_lease.is_milestone and carol_lease.importance >= 7
    assert DigestEntry.objects.filter(user__username="alice", post=carol_lease).exists()
    assert "8 posts added" in out.getvalue()

    entries = list(DigestEntry.objects.order_by("pk").values_list("pk", "post_id"))
    demo_seed_digest(people, out)

    assert Post.objects.count() == 2 * len(DEMO_WEEK_POSTS) + 2  # 2: alice's memories
    assert Digest.objects.count() == len(people)
    assert list(DigestEntry.objects.order_by("pk").values_list("pk", "post_id")) == entries
    assert "0 posts added" in out.getvalue()


# A Sunday (the current week holds most of the demo posts) and a Monday just after midnight in
# Paris (still Sunday in New York and Los Angeles).
@pytest.mark.parametrize("instant", ["2026-11-29 20:00:00+00:00", "2026-11-29 23:30:00+00:00"])
def test_seed_demo_gives_alice_a_full_digest_of_last_week(db, instant):
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        alice = User.objects.get(username="alice")
        week = week_last_completed(alice.timezone)
        digest = Digest.objects.get(user=alice, week=str(week))
        start, end = week.bounds(alice.timezone)
        shown = list(digest.entries.order_by("position").select_related("post__author"))
        # Pages from the people she is connected with, a milestone among them, and photos:
        # what the README's digest picture promises.
        authors = {entry.post.author.username for entry in shown}
        assert authors <= {"bob", "carol", "dan"} and len(authors) >= 2
        assert all(start <= entry.post.created_at < end for entry in shown)
        assert any(entry.post.is_milestone for entry in shown)
        assert Photo.objects.filter(post__in=[entry.post for entry in shown]).exists()
        assert digest.built_at <= timezone.now()
        # A newcomer logged in as alice sees memories: her posts of that week a year before.
        memories = list(digest.memories.select_related("post"))
        assert {memory.post.body for memory in memories} == {row[1] for row in DEMO_MEMORY_POSTS}
        a_year_before = Week(week.year - 1, week.number)
        earlier_start, earlier_end = a_year_before.bounds(alice.timezone)
        assert all(earlier_start <= m.post.created_at < earlier_end for m in memories)
