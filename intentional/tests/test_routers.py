"""The database router: only reads inside `replica_reads()` go to the replica."""

from types import SimpleNamespace

from django.db import OperationalError

from intentional.metrics import REPLICA_FALLBACKS
from intentional.routers import REPLICA, PrimaryReplicaRouter, replica_or_primary, replica_reads
from social.models import User


def test_reads_stay_on_the_primary_without_a_replica(monkeypatch):
    router = PrimaryReplicaRouter()
    monkeypatch.setattr("intentional.routers._has_replica", lambda: False)
    with replica_reads():
        assert router.db_for_read(User) == "default"


def test_only_replica_reads_go_to_the_replica(monkeypatch):
    router = PrimaryReplicaRouter()
    monkeypatch.setattr("intentional.routers._has_replica", lambda: True)
    assert router.db_for_read(User) == "default"
    with replica_reads():
        assert router.db_for_read(User) == "replica"
        assert router.db_for_write(User) == "default"
    assert router.db_for_read(User) == "default"
    assert router.allow_migrate("replica", "social") is False
    assert router.allow_migrate("default", "social") is True


def test_a_batch_read_the_replica_fails_is_read_again_on_the_primary(monkeypatch, caplog):
    """The replica stops mid-read: the read starts again on the primary, logged and counted."""
    router = PrimaryReplicaRouter()
    monkeypatch.setattr("intentional.routers._has_replica", lambda: True)
    closed = []
    monkeypatch.setattr(
        "intentional.routers.connections",
        {REPLICA: SimpleNamespace(close=lambda: closed.append(REPLICA))},
    )
    reads = []

    def read():
        reads.append(router.db_for_read(User))
        if reads[-1] == REPLICA:
            raise OperationalError("terminating connection due to administrator command")
        return ["rows"]

    before = REPLICA_FALLBACKS._value.get()
    assert replica_or_primary(read, what="the test scan") == (["rows"], "default")
    assert reads == [REPLICA, "default"]
    assert closed == [REPLICA]
    assert REPLICA_FALLBACKS._value.get() == before + 1
    assert "replica unavailable for the test scan" in caplog.text


def test_a_batch_read_uses_the_replica_when_it_answers(monkeypatch):
    router = PrimaryReplicaRouter()
    monkeypatch.setattr("intentional.routers._has_replica", lambda: True)
    before = REPLICA_FALLBACKS._value.get()
    assert replica_or_primary(lambda: router.db_for_read(User), what="x") == (REPLICA, REPLICA)
    assert REPLICA_FALLBACKS._value.get() == before
