"""The demo week of posts (`manage.py seed_demo`): idempotent, with real photos and comments,
and a timeline that holds together whenever the seed runs."""

import io
import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from connections.models import Connection, Invitation, Tag
from digest.demo import DEMO_MEMORY_POSTS, DEMO_WEEK_POSTS
from social.demo import DEMO_PHOTOS, DEMO_POSTS
from social.models import Comment, Photo, Post, User

pytestmark = pytest.mark.django_db

# Just after (or before) midnight UTC, when the newest comments are closest to "now"; on a
# Monday (the week just completed) and on Sundays (the current week holds most of the posts);
# across the daylight-saving changes of Europe (29 Mar, 25 Oct) and America (1 Nov).
SEED_TIMES = [
    "2026-11-30 00:01:00+00:00",
    "2026-03-29 00:01:00+00:00",
    "2026-11-01 23:59:00+00:00",
]


def _seed_at(instant: str) -> datetime:
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        return timezone.now()


def _demo_photo_names() -> list[str]:
    return sorted(path.name for path in DEMO_PHOTOS.glob("*.jpg"))


@pytest.mark.parametrize("instant", SEED_TIMES)
def test_demo_timeline_is_in_the_past_and_in_order(instant):
    with time_machine.travel(instant, tick=False):
        _check_timeline(_seed_at(instant))


def _check_timeline(now: datetime) -> None:
    people = {user.username: user for user in User.objects.all()}
    posts = list(Post.objects.select_related("author"))
    assert len(posts) > len(DEMO_POSTS)  # the digest's week too
    for post in posts:
        assert post.author.date_joined < post.created_at < now, post.body
    # Every comment comes after its post and before the seed ran; none was lost on the way.
    comments = list(Comment.objects.select_related("post"))
    week_comments = sum(
        len(row[5]) * Post.objects.filter(body=row[2]).count() for row in DEMO_WEEK_POSTS
    ) + sum(len(row[3]) * Post.objects.filter(body=row[1]).count() for row in DEMO_MEMORY_POSTS)
    assert len(comments) == sum(len(row.comments) for row in DEMO_POSTS) + week_comments
    for comment in comments:
        assert comment.post.created_at < comment.created_at < now, comment.body
    for photo in Photo.objects.select_related("post"):
        assert photo.created_at == photo.post.created_at
    # Whoever sees a post was connected to its author before it was posted: "since" on the
    # people page is older than anything in the feed.
    for connection in Connection.objects.select_related("user_a", "user_b"):
        first, second = connection.user_a, connection.user_b
        joined = max(first.date_joined, second.date_joined)
        assert joined <= connection.created_at < now
        if connection.status == Connection.Status.PENDING:
            assert connection.accepted_at is None
            continue
        assert connection.created_at <= connection.accepted_at < now
        seen = [
            *Post.objects.visible_to(second).filter(author=first).values_list("created_at"),
            *Post.objects.visible_to(first).filter(author=second).values_list("created_at"),
        ]
        assert seen, connection
        assert (min(seen)[0] - connection.accepted_at).days >= 30, connection
    assert Connection.objects.pending_for(people["alice"]).exists()
    # Invitations: dan joined through alice's (used once, before it expired); alice has one
    # open link, made before now and still valid.
    used = Invitation.objects.get(used_by=people["dan"])
    assert used.inviter == people["alice"]
    assert used.created_at < used.used_at < used.expires_at
    assert abs(used.used_at - people["dan"].date_joined).days < 1
    assert Connection.objects.accepted_between(people["alice"], people["dan"]).exists()
    open_link = Invitation.objects.usable().get(inviter=people["alice"])
    assert open_link.created_at < now < open_link.expires_at
    assert all(tag.created_at < now for tag in Tag.objects.all())


def test_demo_is_idempotent():
    def state():
        return (
            sorted(Post.objects.values_list("author__username", "body", "created_at")),
            sorted(Comment.objects.values_list("post__body", "author__username", "created_at")),
            Photo.objects.count(),
            sorted(Connection.objects.values_list("user_a", "user_b", "status", "accepted_at")),
            list(Invitation.objects.order_by("pk").values_list("used_by", "created_at")),
            sorted(User.objects.values_list("username", "date_joined")),
        )

    _seed_at("2026-11-25 10:00:00+00:00")
    first = state()
    out = io.StringIO()
    with time_machine.travel("2026-11-25 10:05:00+00:00", tick=False):
        call_command("seed_demo", stdout=out)
    assert state() == first
    assert f"posts: 0 created, {len(DEMO_POSTS)} kept" in out.getvalue()
    assert "invitations: 0 created" in out.getvalue()


def test_demo_posts_have_the_promised_shape():
    # What keeps every comment in the past whenever the seed runs (social.demo.demo_when).
    assert all(row.days_ago >= 2 and 0 <= row.hour <= 23 for row in DEMO_POSTS)
    comments = [comment for row in DEMO_POSTS for comment in row.comments]
    comments += [comment for row in DEMO_WEEK_POSTS for comment in row[5]]
    comments += [comment for row in DEMO_MEMORY_POSTS for comment in row[3]]
    assert all(0 < comment.minutes_after <= 12 * 60 for comment in comments)
    _seed_at("2026-11-25 10:00:00+00:00")
    demo = Post.objects.filter(body__in=[row.body for row in DEMO_POSTS])
    assert demo.count() == len(DEMO_POSTS)
    assert demo.filter(is_milestone=True).count() == 3
    climbing = Tag.objects.get(owner__username="alice", name="climbing crew")
    assert demo.filter(audience="tags", audience_tags=climbing).exists()
    alice_days = [post.created_at.date() for post in demo.filter(author__username="alice")]
    assert max(alice_days.count(day) for day in alice_days) >= 3
    # Every vendored photo is used, once.
    assert Photo.objects.count() == len(_demo_photo_names())


def _horizontal_detail(image: Image.Image) -> float:
    """Mean brightness step between neighbouring pixels of a row (0–255)."""
    grey = image.convert("L")
    left = grey.crop((0, 0, grey.width - 1, grey.height))
    right = grey.crop((1, 0, grey.width, grey.height))
    return ImageStat.Stat(ImageChops.difference(left, right)).mean[0]


def test_demo_photos_are_real_photographs():
    """Each stored thumbnail has a photograph's detail: flat colour bands (the old generated
    'photos' measured under 0.1) fail; the vendored photographs measure 4.5 to 21."""
    _seed_at("2026-11-25 10:00:00+00:00")
    photos = list(Photo.objects.all())
    assert photos
    thumbnails = set()
    for photo in photos:
        with default_storage.open(photo.thumbnail_key) as stored:
            content = stored.read()
        thumbnails.add(content)
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "JPEG"
            assert max(image.size) <= 480
            assert _horizontal_detail(image) > 2, photo.thumbnail_key
    assert len(thumbnails) == len(photos)  # no picture used twice


def test_demo_photo_licences_name_every_vendored_file():
    names = _demo_photo_names()
    assert 4 <= len(names) <= 8
    assert sum((DEMO_PHOTOS / name).stat().st_size for name in names) < 1_500_000
    note = (DEMO_PHOTOS / "README.md").read_text()
    rows = {
        match[0]: match[1] for match in re.findall(r"^\| `([^`]+)` \|(.*)\|$", note, re.MULTILINE)
    }
    assert sorted(rows) == names
    assert "scikit-image" in note
    for name, row in rows.items():
        what, source, author, licence = (cell.strip() for cell in row.split(" | "))
        assert what and source and author, name
        assert licence.startswith(("Public domain", "CC0")), name
    # Nothing else: only the photos and their note.
    assert sorted(path.name for path in DEMO_PHOTOS.iterdir()) == sorted([*names, "README.md"])
