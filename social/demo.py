"""Posts, photos and comments of `manage.py seed_demo` (idempotent)."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image, ImageDraw

from connections.models import Tag
from social import services
from social.models import Post

# (author, days ago, hour, body, milestone, photo colours, commenters)
DEMO_POSTS = [
    (
        "bob",
        6,
        9,
        "The twins took their first steps today, within ten minutes of each other.",
        True,
        [(240, 190, 120)],
        ["alice", "erin"],
    ),
    (
        "alice",
        6,
        18,
        "Sourdough attempt number seven. It finally rose!",
        False,
        [(200, 150, 90), (170, 120, 70)],
        ["carol"],
    ),
    (
        "carol",
        5,
        8,
        "Cherry blossoms along the river this morning. Tokyo in spring is unreal.",
        False,
        [(250, 200, 220), (240, 170, 200), (230, 150, 190)],
        ["alice", "dan"],
    ),
    (
        "dan",
        5,
        20,
        "Played my first full piece on the cello without stopping. Slowly, but all "
        "the way through.",
        False,
        [],
        ["erin"],
    ),
    (
        "erin",
        4,
        7,
        "The tomatoes are in. Forty-two seedlings, each with a name.",
        False,
        [(90, 160, 80)],
        ["bob"],
    ),
    (
        "alice",
        4,
        12,
        "Climbed the north face with the crew. Hands shaking, heart full.",
        False,
        [(120, 140, 170)],
        ["dan"],
    ),
    ("alice", 4, 19, "Quiet evening. Reading on the balcony until it got too dark.", False, [], []),
    ("alice", 4, 22, "Also: the neighbours' cat has decided I am its person now.", False, [], []),
    (
        "bob",
        3,
        21,
        "Saw Saturn's rings through the new telescope. The kids were speechless.",
        False,
        [(20, 20, 50)],
        ["carol", "alice"],
    ),
    (
        "carol",
        2,
        10,
        "Got the job! Starting at the design studio next month.",
        True,
        [],
        ["alice", "bob", "erin"],
    ),
    (
        "dan",
        1,
        15,
        "Century ride done: 160 km, one flat tyre, zero regrets.",
        False,
        [(200, 80, 60)],
        [],
    ),
    (
        "erin",
        0,
        9,
        "Grandchild number four arrived this morning. Everyone is well.",
        True,
        [(250, 230, 200)],
        ["alice", "bob", "carol", "dan"],
    ),
]


def _demo_image(colour: tuple[int, int, int], label: str) -> SimpleUploadedFile:
    """A small generated photo (a gradient with a caption), as an upload."""
    image = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(image)
    for row in range(0, 720, 8):
        shade = tuple(max(0, c - row // 12) for c in colour)
        draw.rectangle([0, row, 960, row + 8], fill=shade)
    draw.text((40, 660), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def demo_seed_posts(people: dict, stdout) -> None:
    """A week of posts with photos and comments between the demo people."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = kept = 0
    for username, days_ago, hour, body, milestone, colours, commenters in DEMO_POSTS:
        author = people[username]
        if Post.objects.visible_to(author).filter(author=author, body=body).exists():
            kept += 1
            continue
        when = (now - timedelta(days=days_ago)).replace(hour=hour)
        # Alice's evening posts go to a tag when she has one (the graph seed makes them).
        tag = Tag.objects.owned_by(author).order_by("name").first()
        use_tag = username == "alice" and hour >= 19 and tag is not None
        post = services.post_create(
            author=author,
            body=body,
            audience=Post.Audience.TAGS if use_tag else Post.Audience.CONNECTIONS,
            audience_tags=[tag] if use_tag else [],
            is_milestone=milestone,
            photos=[
                _demo_image(colour, f"{username} #{i + 1}") for i, colour in enumerate(colours)
            ],
            created_at=min(when, timezone.now()),
        )
        for commenter in commenters:
            try:
                services.comment_create(
                    author=people[commenter], post_id=post.pk, body=_comment_for(commenter)
                )
            except Http404:  # not connected in this demo graph: they cannot see the post
                continue
        created += 1
    stdout.write(f"  posts: {created} created, {kept} kept")


def _comment_for(username: str) -> str:
    return {
        "alice": "This made my day!",
        "bob": "Congratulations, so happy for you.",
        "carol": "Wish I could be there. Send more photos!",
        "dan": "Amazing. Well done.",
        "erin": "Lovely news, dear.",
    }[username]
