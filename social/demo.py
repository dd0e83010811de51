"""Posts, photos and comments of `manage.py seed_demo` (idempotent)."""


def demo_seed_posts(people: dict, stdout) -> None:
    """A week of posts with photos and comments between the demo people."""
