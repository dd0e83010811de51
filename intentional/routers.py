"""Database routing: everything on the primary, except reads the digest batch makes inside
`replica_reads()` when a replica is configured (DATABASE_REPLICA_URL).

Interactive requests never read from the replica, so replica lag can never show a post after
a permission change (SPEC §3: changes take effect on the next request)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads go to the replica (if there is one). Writes never do."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def _has_replica() -> bool:
    return REPLICA in settings.DATABASES


class PrimaryReplicaRouter:
    """Reads inside `replica_reads()` → replica; all else → default."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and _has_replica():
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
