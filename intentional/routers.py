"""Database routing: everything on the primary, except reads the digest batch makes inside
`replica_reads()` when a replica is configured (DATABASE_REPLICA_URL).

Interactive requests never read from the replica, so replica lag can never show a post after
a permission change (SPEC §3: changes take effect on the next request).

A batch read that the replica fails (stopped, restarting, unreachable) is read again from the
primary by `replica_or_primary()`, logged and counted: a replica outage slows the batch, never
stops it."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

from intentional.metrics import REPLICA_FALLBACKS

logger = logging.getLogger(__name__)

REPLICA = "replica"
T = TypeVar("T")
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


def replica_or_primary(read: Callable[[], T], *, what: str) -> tuple[T, str]:
    """`read()` (which must finish its reads, e.g. build a list) inside `replica_reads()`; if
    the replica fails, `read()` again from the start on the primary, logged and counted in
    `intentional_replica_fallbacks_total`. Returns the result and the alias that answered."""
    if not _has_replica():
        return read(), "default"
    try:
        with replica_reads():
            return read(), REPLICA
    except (OperationalError, InterfaceError) as error:
        REPLICA_FALLBACKS.inc()
        logger.warning("replica unavailable for %s, reading the primary instead: %r", what, error)
        with suppress(DatabaseError):
            connections[REPLICA].close()
    return read(), "default"


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
