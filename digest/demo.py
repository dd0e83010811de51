"""The demo digests of `manage.py seed_demo` (idempotent).

`social.demo` seeds the last seven days, which may all fall in the current week (on a Sunday,
say); the digest shows completed weeks. So a few posts go into the last completed week of the
demo people (their timezones may disagree on which week that is, on a Monday morning), and
then each person's digest of their last completed week is built.
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from digest.services import digest_build
from digest.weeks import Week, week_last_completed
from social import services
from social.demo import _demo_image
from social.models import Post

# (author, weekday: 1 = Monday, body, milestone, photo colours) — at 12:00 UTC, which is in
# the same ISO week in every timezone from UTC-12 to UTC+14 for Tuesday to Friday.
DEMO_WEEK_POSTS = [
    (
        "erin",
        2,
        "Planted the garlic for next summer. Two long rows, and a robin supervising.",
        False,
        [(110, 90, 60)],
    ),
    (
        "bob",
        3,
        "The twins' first swimming lesson. Nobody cried, not even me.",
        False,
        [(80, 150, 200), (60, 130, 190)],
    ),
    (
        "carol",
        4,
        "Signed the lease on my own flat in Tokyo. A tiny balcony, and it's all mine.",
        True,
        [],
    ),
    (
        "dan",
        5,
        "Cello lesson: my teacher said 'that was music' for the first time.",
        False,
        [(150, 90, 60)],
    ),
]


def _demo_week_posts(people: dict, week: Week) -> int:
    """Seed DEMO_WEEK_POSTS into `week` unless they are there already; how many were made."""
    made = 0
    for username, weekday, body, milestone, colours in DEMO_WEEK_POSTS:
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
        services.post_create(
            author=author,
            body=body,
            is_milestone=milestone,
            photos=[
                _demo_image(colour, f"{username} #{i + 1}") for i, colour in enumerate(colours)
            ],
            created_at=when,
        )
        made += 1
    return made


def demo_seed_digest(people: dict, stdout) -> None:
    """Posts in the last completed week, and that week's digest for each demo person."""
    now = timezone.now()
    weeks = {
        username: week_last_completed(user.timezone, now=now) for username, user in people.items()
    }
    made = sum(_demo_week_posts(people, week) for week in sorted(set(weeks.values())))
    pages = 0
    for username, user in people.items():
        # New posts this run: a digest built earlier (say, by opening /digest/) is refreshed.
        digest = digest_build(user=user, week=weeks[username], rebuild=made > 0)
        pages += digest.entries.count()
    stdout.write(
        f"  digest: {made} posts added to last week, {len(people)} digests ready "
        f"({pages} pages in all)"
    )
