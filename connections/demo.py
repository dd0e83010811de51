"""The social graph of `manage.py seed_demo` (idempotent)."""


def demo_seed_graph(people: dict, stdout) -> None:
    """Connections, tags and memberships between the demo people."""
