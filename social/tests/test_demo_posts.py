"""The demo week of posts (`manage.py seed_demo`): idempotent, with photos and comments."""

import io
from itertools import combinations

from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from social.demo import DEMO_POSTS, demo_seed_posts
from social.models import Comment, Photo, Post
from social.tests.factories import UserFactory


def test_demo_posts_are_seeded_once(db):
    people = {name: UserFactory(username=name) for name in ["alice", "bob", "carol", "dan", "erin"]}
    for first, second in combinations(people.values(), 2):
        connect(first, second)
    climbing = TagFactory(owner=people["alice"], name="climbing")
    TagMembershipFactory(tag=climbing, target=people["dan"])
    out = io.StringIO()
    demo_seed_posts(people, out)
    counts = (Post.objects.count(), Photo.objects.count(), Comment.objects.count())
    assert counts[0] == len(DEMO_POSTS)
    assert counts[1] == sum(len(entry[5]) for entry in DEMO_POSTS)
    assert counts[2] == sum(len(entry[6]) for entry in DEMO_POSTS)
    assert Post.objects.filter(is_milestone=True).count() == 3
    assert Post.objects.filter(audience="tags", audience_tags=climbing).exists()
    alice_days = [p.created_at.date() for p in Post.objects.filter(author=people["alice"])]
    assert max(alice_days.count(day) for day in alice_days) >= 3
    demo_seed_posts(people, out)
    assert (Post.objects.count(), Photo.objects.count(), Comment.objects.count()) == counts
    assert f"0 created, {len(DEMO_POSTS)} kept" in out.getvalue()
