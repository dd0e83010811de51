"""Posts, photos and comments of `manage.py seed_demo` (idempotent).

A believable week, all of it in the past: posts from two to nine days ago at their authors'
local hours, each comment a little after its post (and before the day the seed runs), and real
photographs (social/demo_photos/, public domain or CC0: see its README.md) that go through the
same intake as an upload.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from connections.models import Tag
from social import services
from social.models import Post

DEMO_PHOTOS = Path(__file__).resolve().parent / "demo_photos"


@dataclass(frozen=True)
class DemoComment:
    author: str
    minutes_after: int  # after the post; at most 12 hours, so it is in the past (demo_when)
    body: str


@dataclass(frozen=True)
class DemoPost:
    author: str
    days_ago: int  # two or more: the newest post and its comments are before today (UTC)
    hour: int  # in the author's timezone
    body: str
    milestone: bool = False
    photos: tuple[str, ...] = ()  # file names in DEMO_PHOTOS
    tag: str | None = None  # the author's tag it is for; None: all their connections
    comments: tuple[DemoComment, ...] = ()


DEMO_POSTS = [
    DemoPost(
        "bob",
        9,
        19,
        "The twins took their first steps today, within ten minutes of each other. We have it "
        "all on video: shaky, and mostly ceiling.",
        milestone=True,
        comments=(
            DemoComment("alice", 25, "Ten minutes apart, of course. This made my day!"),
            DemoComment("dan", 140, "Amazing. Time to buy stair gates."),
            DemoComment("carol", 610, "Wish I could be there. Send the video!"),
        ),
    ),
    DemoPost(
        "carol",
        9,
        8,
        "Got the job! I'm joining the design studio by the river, starting next week.",
        milestone=True,
        comments=(
            DemoComment("erin", 45, "Wonderful news, dear. I knew you would."),
            DemoComment("bob", 330, "Congratulations, so happy for you."),
            DemoComment("alice", 400, "Knew it! Celebrate properly tonight."),
        ),
    ),
    DemoPost(
        "alice",
        8,
        18,
        "Sourdough attempt number seven. It finally rose!",
        comments=(
            DemoComment("carol", 50, "Recipe, please."),
            DemoComment("bob", 95, "Save me a slice."),
        ),
    ),
    DemoPost(
        "dan",
        8,
        20,
        "Played my first full piece on the cello without stopping. Slowly, but all the way "
        "through.",
        comments=(
            DemoComment("alice", 600, "Bravo! Next time, a recording."),
            DemoComment("bob", 680, "The neighbours must be proud. Well done!"),
        ),
    ),
    DemoPost(
        "alice",
        6,
        12,
        "Climbed the north face with the crew. Hands shaking, heart full.",
        tag="climbing crew",
        comments=(DemoComment("dan", 90, "Best day of the year. Same time next month?"),),
    ),
    DemoPost("alice", 6, 19, "Quiet evening. Reading on the balcony until it got too dark."),
    DemoPost(
        "alice",
        6,
        21,
        "Also: the neighbours' cat has decided I am its person now.",
        photos=("chelsea.jpg",),
        comments=(
            DemoComment("bob", 30, "She has chosen well."),
            DemoComment("carol", 420, "Those eyes! More photos, please."),
        ),
    ),
    DemoPost(
        "carol",
        5,
        8,
        "New job, new routine: the espresso bar under the studio might be the real reason I "
        "took it.",
        photos=("coffee.jpg",),
        comments=(
            DemoComment("alice", 90, "This made my day! Save me a seat for when I visit."),
            DemoComment("erin", 130, "Lovely, dear. Don't forget to eat something with it."),
        ),
    ),
    DemoPost(
        "bob",
        4,
        20,
        "Took the twins down to Florida to see a launch. Thirty seconds of thunder, and they "
        "slept through all of it.",
        photos=("rocket.jpg",),
        comments=(
            DemoComment("alice", 35, "Of course they did. What a photo!"),
            DemoComment("dan", 70, "Jealous. Was it loud?"),
            DemoComment("bob", 85, "Loud enough to feel in your chest."),
        ),
    ),
    DemoPost(
        "dan",
        3,
        15,
        "Century ride done: 160 km, one flat tyre, zero regrets.",
        comments=(
            DemoComment("bob", 120, "Zero regrets until tomorrow morning."),
            DemoComment("alice", 500, "Legend."),
        ),
    ),
    DemoPost(
        "erin",
        3,
        9,
        "Grandchild number four arrived this morning. Everyone is well.",
        milestone=True,
        comments=(DemoComment("carol", 40, "Congratulations, Erin! So happy for you all."),),
    ),
    DemoPost(
        "alice",
        2,
        18,
        "Took my niece to the space exhibition. She stood in front of Eileen Collins' portrait "
        "for ten minutes and now wants to fly the shuttle.",
        photos=("astronaut.jpg",),
        comments=(
            DemoComment("bob", 45, "A future pilot! The twins want to come next time."),
            DemoComment("carol", 560, "Tell her she has my vote."),
        ),
    ),
]


# What each demo photo shows (its alt text, SPEC §2), as its author would write it.
DEMO_PHOTO_ALTS = {
    "astronaut.jpg": "An astronaut in an orange flight suit smiling in front of the US flag.",
    "chelsea.jpg": "A tabby cat with green eyes, looking up from the floor.",
    "coffee.jpg": "An espresso in a white cup on its saucer, with a small spoon.",
    "grass.jpg": "Close-up of thin blades of new grass, in black and white.",
    "hubble_deep_field.jpg": "Thousands of tiny galaxies, spirals and smudges of light on black.",
    "rocket.jpg": "A rocket lifting off in a column of fire and white smoke.",
}


def demo_photo_alts(names) -> list[str]:
    """The alt texts of demo photos, in order."""
    return [DEMO_PHOTO_ALTS.get(name, "") for name in names]


def demo_photo(name: str) -> SimpleUploadedFile:
    """A vendored photo as an upload: it goes through the intake like any other."""
    return SimpleUploadedFile(name, (DEMO_PHOTOS / name).read_bytes(), content_type="image/jpeg")


def demo_when(author, *, days_ago: int, hour: int, now: datetime) -> datetime:
    """`hour` o'clock in the author's timezone, `days_ago` days before today (UTC).

    Two days ago at 23:00 at UTC-12 is at most yesterday 11:00 UTC: with comments at most 12
    hours later, everything is before today began, so in the past whenever the seed runs."""
    day = now.astimezone(UTC).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(author.timezone))


def demo_comments(people: dict, post: Post, comments: tuple[DemoComment, ...]) -> None:
    """The comments on a demo post, each at its time after the post."""
    for comment in comments:
        # Post.DoesNotExist if the commenter cannot see the post: a mistake in the demo's data.
        services.comment_create(
            author=people[comment.author],
            post_id=post.pk,
            body=comment.body,
            created_at=post.created_at + timedelta(minutes=comment.minutes_after),
        )


def demo_seed_posts(people: dict, stdout) -> None:
    """A week of posts with photos and comments between the demo people."""
    now = timezone.now()
    created = kept = 0
    for row in DEMO_POSTS:
        author = people[row.author]
        if Post.objects.visible_to(author).filter(author=author, body=row.body).exists():
            kept += 1
            continue
        when = demo_when(author, days_ago=row.days_ago, hour=row.hour, now=now)
        tags = [Tag.objects.owned_by(author).get(name=row.tag)] if row.tag else []
        post = services.post_create(
            author=author,
            body=row.body,
            audience=Post.Audience.TAGS if tags else Post.Audience.CONNECTIONS,
            audience_tags=tags,
            is_milestone=row.milestone,
            photos=[demo_photo(name) for name in row.photos],
            photo_alts=demo_photo_alts(row.photos),
            created_at=when,
        )
        demo_comments(people, post, row.comments)
        created += 1
    stdout.write(f"  posts: {created} created, {kept} kept")
