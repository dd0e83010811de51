"""The database router: only reads inside `replica_reads()` go to the replica."""

from intentional.routers import PrimaryReplicaRouter, replica_reads
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
