"""manage.py bench: its dataset and the checks CI relies on (no timings are asserted)."""

import io
import json
import re
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from bench.dataset import DatasetSize, NotABenchDatabase, dataset_build, dataset_status
from bench.measure import (
    PROCFILE_WORKER_CONCURRENCY,
    Bench,
    Recorder,
    _explain,
    _run_bare,
    _seq_scans,
)
from connections import selectors as connections_selectors
from connections.tests.factories import connect
from digest.models import DigestDelivery
from digest.services import SENT
from digest.tests.helpers import at, post_at
from digest.weeks import Week
from intentional.db import prepares_statements
from social.models import Comment, Post, User
from social.tests.factories import UserFactory

W6 = Week(2026, 6)


def _fingerprint() -> tuple:
    return (
        User.objects.count(),
        list(
            Post.objects.order_by("pk").values_list("pk", "author_id", "audience", "importance")
        ),  # audience-ok: test
        list(
            Comment.objects.order_by("pk").values_list("post_id", "author_id", "body")
        ),  # audience-ok: test
    )


@pytest.mark.django_db
def test_the_dataset_is_deterministic_and_only_on_postgresql():
    size = DatasetSize(users=40, posts=300, comments=600, connections=10, seed=7)
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench", "--small")
        return
    status = dataset_build(size, out=io.StringIO())
    first = _fingerprint()
    assert status["rows"]["posts"] == 300 and status["rows"]["comments"] == 600
    assert dataset_status()["seed"] == 7
    dataset_build(size, out=io.StringIO())
    assert _fingerprint() == first
    # Every accepted connection count stays under the product's limit.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(n) FROM (SELECT u, count(*) n FROM (SELECT user_a_id u FROM "
            "connections_connection WHERE status = 'accepted' UNION ALL SELECT user_b_id "
            "FROM connections_connection WHERE status = 'accepted') x GROUP BY u) y"
        )
        assert cursor.fetchone()[0] <= 150


@pytest.mark.django_db
def test_the_benchmark_refuses_a_database_with_real_people():
    UserFactory()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError):
            call_command("bench", "--small")
        return
    with pytest.raises(NotABenchDatabase):
        dataset_status()


def test_sequential_scans_are_found_anywhere_in_a_plan():
    plan = {
        "Node Type": "Limit",
        "Plans": [
            {"Node Type": "Index Scan", "Relation Name": "social_post"},
            {
                "Node Type": "Nested Loop",
                "Plans": [{"Node Type": "Seq Scan", "Relation Name": "social_comment"}],
            },
        ],
    }
    assert list(_seq_scans(plan)) == ["social_comment"]


def _checked(results: dict) -> list[str]:
    bench = Bench.__new__(Bench)
    bench.report = {"results": results, "failures": []}
    bench.check_counts()
    return bench.report["failures"]


def test_the_checks_fail_on_query_counts_that_vary_or_exceed_the_budget():
    steady = {"queries": [3], "queries_by_page_size": {5: [3], 50: [3]}}
    assert _checked({"api_feed": steady, "post_page": {"queries": [4]}}) == []
    assert _checked({"api_feed": {**steady, "queries": [3, 4]}})
    assert _checked({"api_feed": {**steady, "queries_by_page_size": {5: [3], 50: [5]}}})
    assert _checked({"api_feed": {"queries": [5], "queries_by_page_size": {}}})
    assert _checked({"post_page": {"queries": [4, 7]}})
    assert _checked({"digest_build": {"queries_non_empty": [4, 5]}})


def test_the_parallel_batch_defaults_to_the_procfile_worker_concurrency():
    procfile = (settings.BASE_DIR / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    concurrency = re.search(r"--concurrency \$\{WORKER_CONCURRENCY:-(\d+)\}", worker)
    assert concurrency and int(concurrency.group(1)) == PROCFILE_WORKER_CONCURRENCY


@pytest.mark.skipif(connection.vendor != "postgresql", reason="forked processes need a server")
@pytest.mark.django_db(transaction=True)
def test_the_parallel_batch_sends_each_digest_once_from_processes_of_their_own():
    authors = UserFactory.create_batch(2)
    people = UserFactory.create_batch(5)
    for person in people:
        for author in authors:
            connect(person, author)
    for author in authors:
        post_at(author, at("2026-02-04 10:00", "UTC"), 3.0)
    bench = Bench.__new__(Bench)
    bench.week, bench.report = W6, {"failures": []}
    ids = sorted(person.pk for person in people)

    measured = bench.batch_in_processes(ids, workers=2, expected=Counter({SENT: 5}))

    assert bench.report["failures"] == []
    assert measured["database_connections"] == 2
    assert measured["outcomes"] == {SENT: 5} and measured["sent_in_database"] == 5
    assert sorted(p["users"] for p in measured["processes"]) == [2, 3]
    assert DigestDelivery.objects.filter(status=DigestDelivery.Status.SENT).count() == 5
    # A run whose outcomes differ from the serial run's is a failure, not a figure.
    bench.batch_in_processes(ids, workers=2, expected=Counter({SENT: 4}))
    assert bench.report["failures"]


@pytest.mark.django_db
@pytest.mark.skipif(not prepares_statements(connection), reason="prepared statements: PostgreSQL")
def test_a_prepared_statement_is_measured_and_explained_as_prepared():
    """What a page ran as a prepared statement is recorded as one, run bare as one, and
    EXPLAINed as its generic plan — with two bound ids side by side (LEAST($1, $2)), which
    PostgreSQL cannot type alone."""
    ana, bo = UserFactory(), UserFactory()
    connect(ana, bo)
    recorder = Recorder()
    with recorder.recording():
        assert connections_selectors.relationship(viewer=ana, user=bo) == "connected"
    [statement] = recorder.statements
    assert statement.prepared
    _run_bare(statement)
    with connection.cursor() as cursor:
        [[plan]] = _explain(cursor, statement, "ANALYZE, FORMAT JSON")
        plan = plan if isinstance(plan, list) else json.loads(plan)
        assert plan[0]["Plan"]["Actual Rows"] == 1
        [[text]] = _explain(cursor, statement, "FORMAT JSON")  # the statement was let go
