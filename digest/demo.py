"""The demo digests of `manage.py seed_demo` (idempotent).

`social.demo` seeds posts from two to nine days ago, few of which may fall in the last
completed week (on a Sunday, say, most are in the current one); the digest shows completed
weeks. So a few posts go into the last completed week of the demo people (their timezones may
disagree on which week that is, on a Monday morning), and then each person's digest of their
last completed week is built. The same week a year earlier gets a few posts too, so that each
digest has memories ("From past years").
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from connections.models import Tag
from digest.services import digest_build
from digest.weeks import Week, week_last_completed
from social import services
from social.demo import DemoComment, demo_comments, demo_photo, demo_photo_alts
from social.models import Post

# (author, weekday: 1 = Monday, body, milestone, photos in social/demo_photos/, comments) — at
# 12:00 UTC, which is in the same ISO week in every timezone from UTC-12 to UTC+14 for Tuesday
# to Friday (and so are the comments, at most 12 hours later).
DEMO_WEEK_POSTS = [
    (
        "erin",
        2,
        "The new lawn is finally coming through. Slowly, and in patches, but it's green.",
        False,
        ["grass.jpg"],
        (DemoComment("carol", 180, "Green! Your garden always wins in the end."),),
    ),
    (
        "bob",
        3,
        "Clouds again, so the kids and I looked at the Hubble Deep Field instead. Every speck "
        "in it is a galaxy.",
        False,
        ["hubble_deep_field.jpg"],
        # Two commenters: important enough to make the digest next to carol's milestone.
        (
            DemoComment("alice", 60, "Every speck? That is making my head spin."),
            DemoComment("carol", 600, "Print it for their room!"),
        ),
    ),
    (
        "carol",
        4,
        "Signed the lease on my own flat in Tokyo. A tiny balcony, and it's all mine.",
        True,
        [],
        (DemoComment("alice", 240, "Congratulations! I'm coming to see that balcony."),),
    ),
    (
        "dan",
        5,
        "Cello lesson: my teacher said 'that was music' for the first time.",
        False,
        [],
        (),
    ),
]


# Posts of alice's in the same ISO week a year earlier, so that her digest has memories ("From
# past years", SPEC §5): her own count, and nobody who connected with her since sees them (one
# is private, one for her "family" tag: bob, a friend for years). (weekday, body, audience tag
# or None for private, comments) — at 12:00 UTC, like DEMO_WEEK_POSTS.
DEMO_MEMORY_POSTS = [
    (
        3,
        "First bake in the new oven: a lopsided sourdough, and the best bread I've ever made.",
        "family",
        (DemoComment("bob", 90, "Lopsided is how you know it's homemade."),),
    ),
    (
        5,
        "Note to self: the crux of the orange route is the left foot, not the right hand.",
        None,
        (),
    ),
]


def _a_year_before(week: Week) -> Week | None:
    """The same ISO week number a year earlier (none for a week 53 the year before lacks)."""
    try:
        earlier = Week(week.year - 1, week.number)
        earlier.monday  # noqa: B018  (ValueError if that year has no such week)
    except ValueError:
        return None
    return earlier


def _demo_memory_posts(people: dict, week: Week) -> int:
    """Seed DEMO_MEMORY_POSTS into `week` unless they are there already; how many were made."""
    author = people.get("alice")
    if author is None:
        return 0
    made = 0
    for weekday, body, tag_name, comments in DEMO_MEMORY_POSTS:
        when = datetime.combine(week.monday + timedelta(days=weekday - 1), time(12), tzinfo=UTC)
        mine = Post.objects.visible_to(author).filter(author=author, body=body, created_at=when)
        if mine.exists():
            continue
        tags = list(Tag.objects.owned_by(author).filter(name=tag_name)) if tag_name else []
        if tag_name and not tags:
            continue  # the demo graph has no such tag (a partial seed in a test)
        post = services.post_create(
            author=author,
            body=body,
            audience=Post.Audience.TAGS if tags else Post.Audience.PRIVATE,
            audience_tags=tags,
            created_at=when,
        )
        demo_comments(people, post, comments)
        made += 1
    return made


def _demo_week_posts(people: dict, week: Week) -> int:
    """Seed DEMO_WEEK_POSTS into `week` unless they are there already; how many were made."""
    made = 0
    for username, weekday, body, milestone, photos, comments in DEMO_WEEK_POSTS:
        author = people.get(username)
        if author is None:
            continue
        day = week.monday + timedelta(days=weekday - 1)
        when = datetime.combine(day, time(12), tzinfo=UTC)
        if when > timezone.now():
            continue
        already = (
            Post.objects.visible_to(author)
            .filter(author=author, body=body, created_at=when)
            .exists()
        )
        if already:
            continue
        post = services.post_create(
            author=author,
            body=body,
            is_milestone=milestone,
            photos=[demo_photo(name) for name in photos],
            photo_alts=demo_photo_alts(photos),
            created_at=when,
        )
        demo_comments(people, post, comments)
        made += 1
    return made


def demo_seed_digest(people: dict, stdout) -> None:
    """Posts in the last completed week, and that week's digest for each demo person."""
    now = timezone.now()
    weeks = {
        username: week_last_completed(user.timezone, now=now) for username, user in people.items()
    }
    made = sum(_demo_week_posts(people, week) for week in sorted(set(weeks.values())))
    # A year before the weeks the digests are of: their memories.
    earlier_weeks = {_a_year_before(week) for week in weeks.values()} - {None}
    memories = sum(_demo_memory_posts(people, week) for week in sorted(earlier_weeks))
    made += memories
    pages = 0
    for username, user in people.items():
        # New posts this run: a digest built earlier (say, by opening /digest/) is refreshed.
        digest = digest_build(user=user, week=weeks[username], rebuild=made > 0)
        pages += digest.entries.count()
    stdout.write(
        f"  digest: {made - memories} posts added to last week, {memories} a year before it, "
        f"{len(people)} digests ready ({pages} pages in all)"
    )
