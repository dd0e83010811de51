"""Production topology, proven (issue 19): the product's processes on loopback, each its own
process (intentional/tests/topology.py), a journey through them and one drill per failure.

Emails are counted where they arrive, at the SMTP server (never from the application's own
records): each drill's people must each receive exactly one digest, and no message at all may
arrive twice. People act over HTTP on the web nodes; "the week passes" is one UPDATE that moves
their week's rows seven days back, so last week's digest has something to say, then beat runs.

Run with `scripts/topology.sh` (or `pytest -m topology`); `.ci/run` runs it on every push.
"""

import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from itertools import count
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from PIL import Image
from urllib3 import encode_multipart_formdata

from intentional.tests.topology import ROOT, WEB_NODES, Topology, wait_for

pytestmark = pytest.mark.topology

PASSWORD = "topology walk 2026"
# Digests arrive within seconds; the slowest drill waits out a claim lease (12 s) first.
ARRIVAL_TIMEOUT = 90


@pytest.fixture(scope="module")
def topology():
    root = Path(tempfile.mkdtemp(prefix="topology-"))
    topology = Topology(root).start()
    try:
        yield topology
    finally:
        left = topology.stop()
        in_use = topology.ports_in_use()
        if not os.environ.get("TOPOLOGY_KEEP"):  # its logs, to look into a failure
            shutil.rmtree(root, ignore_errors=True)
    assert left == {}, f"processes left running: {left}"
    assert in_use == [], f"ports still answering: {in_use}"


def photo(side: int = 64) -> bytes:
    """A JPEG; a large one (noise compresses badly) takes many writes to send."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


_numbers = count(1)


class Person:
    """Someone using the site over HTTP: JWTs for the API, a session for the pages."""

    def __init__(self, topology: Topology, prefix: str):
        self.topology = topology
        self.username = f"{prefix}{next(_numbers)}"
        self.email = f"{self.username}@example.com"
        response = self.post(
            "/api/v1/auth/register/",
            json={"email": self.email, "username": self.username, "password": PASSWORD},
            auth=False,
        )
        assert response.status_code == 201, response.text
        self.id = response.json()["id"]
        response = self.post(
            "/api/v1/auth/token/", json={"login": self.username, "password": PASSWORD}, auth=False
        )
        assert response.status_code == 200, response.text
        self.access = response.json()["access"]

    def request(self, method, path, *, node="web1", auth=True, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if auth:
            headers["Authorization"] = f"Bearer {self.access}"
        url = self.topology.url(node) + path
        return requests.request(method, url, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def share(self, body: str, *, node="web1", image: bytes | None = None) -> requests.Response:
        files = {"photos": ("photo.jpg", image or photo(), "image/jpeg")}
        return self.post("/api/v1/posts/", node=node, data={"body": body}, files=files)

    def browser(self, node: str = "web1") -> requests.Session:
        """A session logged in through the login page of `node`."""
        session = requests.Session()
        url = self.topology.url(node) + "/accounts/login/"
        assert session.get(url, timeout=30).status_code == 200
        response = session.post(
            url,
            data={
                "login": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[:500]
        return session


def broker(topology: Topology) -> redis.Redis:
    return redis.Redis.from_url(f"{topology.redis_url}/1", socket_timeout=5)


def idle(topology: Topology, *queues: str) -> None:
    """Wait until `queues` are empty and no task taken from any queue is still running, five
    polls in a row (a task just taken is, for a moment, in neither)."""
    polls = []

    def empty():
        client = broker(topology)
        polls.append(
            all(client.llen(queue) == 0 for queue in queues) and client.hlen("unacked") == 0
        )
        return polls[-5:] == [True] * 5

    wait_for(empty, timeout=60, what=f"queues {queues} to drain")


# In the instant notification email of an accepted request (SPEC §8): "<name> accepted your
# request to connect" (with other notifications of the same minutes, under one subject).
CONNECTED = "accepted your request"


def accepted_emails_arrive(topology: Topology, people: list["Person"], count: int) -> None:
    """Wait until `count` "… accepted your request" notification emails have arrived for
    `people`, and the email queue is idle. (The request's own notification may be read or
    grouped before its email goes, so only acceptances are counted.)"""
    addresses = {person.email for person in people}

    def arrived():
        return sum(to in addresses for to in topology.recipients_of(CONNECTED))

    wait_for(lambda: arrived() >= count, timeout=60, what=f"{count} acceptance emails")
    idle(topology, "email")


def quiet(topology: Topology) -> None:
    """No digest runs until the drill says the week has passed: beat stopped, queue drained."""
    topology["beat"].stop()
    idle(topology, "digest")


def circle(topology: Topology, prefix: str, size: int = 3) -> list[Person]:
    """`size` people in a ring of connections, each sharing a post with a photo and commenting
    on the previous one's; requests alternate between the web nodes."""
    people = [Person(topology, prefix) for _ in range(size)]
    for index, person in enumerate(people):
        friend = people[(index + 1) % size]
        for asker, asked, node in ((person, friend, "web1"), (friend, person, "web2")):
            response = asker.post(
                "/api/v1/connections/requests/", node=node, json={"username": asked.username}
            )
            assert response.status_code == 201, response.text
    posts = []
    for index, person in enumerate(people):
        response = person.share(f"{person.username}'s week", node=WEB_NODES[index % 2])
        assert response.status_code == 201, response.text
        posts.append(response.json()["id"])
    for index, person in enumerate(people):
        response = person.post(
            f"/api/v1/posts/{posts[index - 1]}/comments/",
            node=WEB_NODES[(index + 1) % 2],
            json={"body": "Lovely"},
        )
        assert response.status_code == 201, response.text
    accepted_emails_arrive(topology, people, size)
    return people


def week_passes(topology: Topology, people: list[Person]) -> None:
    """Move the people's rows a week back (one transaction): their week is now last week."""
    ids = [person.id for person in people]
    shift = "- interval '7 days'"
    with topology.sql() as connection, connection.transaction():
        for statement in (
            f"UPDATE social_user SET date_joined = date_joined {shift} WHERE id = ANY(%s)",
            f"UPDATE social_post SET created_at = created_at {shift} WHERE author_id = ANY(%s)",
            f"UPDATE social_photo SET created_at = created_at {shift} WHERE post_id IN "
            "(SELECT id FROM social_post WHERE author_id = ANY(%s))",
            f"UPDATE social_comment SET created_at = created_at {shift} WHERE author_id = ANY(%s)",
            f"UPDATE connections_connection SET created_at = created_at {shift}, "
            f"accepted_at = accepted_at {shift} WHERE requested_by_id = ANY(%s)",
        ):
            connection.execute(statement, [ids])


def schedule_runs(topology: Topology) -> int:
    return topology["worker-digest"].log().count("digest schedule: scan read")


def settle(topology: Topology, runs: int = 2) -> None:
    """Wait for `runs` more digest schedules: whatever the first enqueued has run by the end of
    the last (one digest worker, one queue, in order), so a second email would have arrived."""
    target = schedule_runs(topology) + runs
    wait_for(lambda: schedule_runs(topology) >= target, timeout=60, what=f"{runs} schedule runs")


def digests_arrive(topology: Topology, people: list[Person]) -> dict[str, int]:
    """Wait until each person has a digest at the SMTP server, settle, return the counts."""
    emails = [person.email for person in people]
    wait_for(
        lambda: all(topology.digests_to(emails).values()),
        timeout=ARRIVAL_TIMEOUT,
        what=f"a digest for each of {emails}",
    )
    settle(topology)
    return topology.digests_to(emails)


def once_each(people: list[Person]) -> dict[str, int]:
    return {person.email: 1 for person in people}


def no_message_twice(topology: Topology) -> None:
    repeated = {key: n for key, n in Counter(topology.messages()).items() if n > 1}
    assert repeated == {}


def test_journey_through_every_process(topology):
    """People connect, share photos (S3) and comment on both web nodes; beat runs the weekly
    digest through the digest queue, its scan reading the replica; every email arrives once."""
    quiet(topology)
    people = circle(topology, "journey", size=4)
    keys = topology.query(
        "primary",
        "SELECT display_key, thumbnail_key FROM social_photo p JOIN social_post s "
        "ON s.id = p.post_id WHERE s.author_id = ANY(%s)",
        [[person.id for person in people]],
    )
    assert len(keys) == len(people)
    stored = set(topology.s3_keys())
    assert {key for pair in keys for key in pair} <= stored  # the photos are in S3

    week_passes(topology, people)
    log_from = topology["worker-digest"].log_size()
    topology["beat"].start()

    assert digests_arrive(topology, people) == once_each(people)
    assert "digest schedule: scan read replica" in topology["worker-digest"].log(since=log_from)
    # Each asked their friend first, so each got one "accepted your request" email.
    accepted = Counter(topology.recipients_of(CONNECTED))
    assert {person.email: accepted[person.email] for person in people} == once_each(people)
    no_message_twice(topology)


def test_replica_stops_mid_batch_and_the_batch_finishes_on_the_primary(topology):
    """Drill 1. The digest scan is reading the replica when the replica stops: the scan runs
    again on the primary (logged, counted) and every digest goes out once. Meanwhile readiness
    names the replica, degraded, still 200."""
    quiet(topology)
    people = circle(topology, "replicastop")
    week_passes(topology, people)
    log_from = topology["worker-digest"].log_size()
    # Hold the scan mid-read: a lock on the primary that the replica replays, so the scan's
    # query on the replica waits on it.
    lock = topology.sql("primary")
    lock.autocommit = False
    lock.execute("LOCK TABLE social_user IN ACCESS EXCLUSIVE MODE")
    try:

        def replica_holds_the_lock():
            with topology.sql("replica") as probe:
                probe.execute("SET lock_timeout = '50ms'")
                try:
                    probe.execute("SELECT 1 FROM social_user LIMIT 1")
                except psycopg.errors.LockNotAvailable:
                    return True
            return False

        wait_for(replica_holds_the_lock, timeout=30, what="the replica to replay the lock")
        topology["beat"].start()
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND backend_type = 'client backend' AND query ILIKE '%%social_user%%'"
        )
        wait_for(
            lambda: topology.query("replica", waiting)[0][0] > 0,
            timeout=30,
            what="the digest scan to be reading the replica",
        )
        topology["replica"].stop()

        def scan_gave_up_the_replica():
            log = topology["worker-digest"].log(since=log_from)
            return "replica unavailable" in log or "raised unexpected" in log

        wait_for(scan_gave_up_the_replica, timeout=30, what="the scan to leave the replica")
    finally:
        lock.rollback()
        lock.close()
    try:
        assert digests_arrive(topology, people) == once_each(people)
        log = topology["worker-digest"].log(since=log_from)
        assert "replica unavailable for the digest schedule, reading the primary" in log
        assert "digest schedule: scan read default" in log
        for node in WEB_NODES:
            ready = requests.get(f"{topology.url(node)}/health/ready/", timeout=30)
            assert ready.status_code == 200
            assert ready.json() == {
                "status": "degraded",
                "database": "ok",
                "cache": "ok",
                "replica": "unavailable",
            }
    finally:
        topology["replica"].start()
    no_message_twice(topology)


def test_replica_lag_skips_nobody_and_sends_nothing_twice(topology):
    """Drill 2. The replica applies changes 6 s late: scans keep seeing people whose digest
    went out as still due, and enqueue them again; the claim on the primary sends none twice,
    and nobody is skipped."""
    quiet(topology)
    topology.replica_delay(6)
    try:
        people = circle(topology, "lag")
        week_passes(topology, people)
        shifted = (
            "SELECT count(*) FROM social_user WHERE id = ANY(%s) "
            "AND date_joined < now() - interval '6 days'"
        )
        ids = [[person.id for person in people]]
        assert topology.query("primary", shifted, ids)[0][0] == len(people)
        assert topology.query("replica", shifted, ids)[0][0] == 0  # it really lags
        log_from = topology["worker-digest"].log_size()
        topology["beat"].start()

        emails = [person.email for person in people]
        wait_for(
            lambda: all(topology.digests_to(emails).values()),
            timeout=ARRIVAL_TIMEOUT,
            what="a digest for each",
        )
        # Until the replica shows them sent, scans enqueue them again; wait past that.
        wait_for(lambda: topology.replica_caught_up(), timeout=60, what="the replica")
        settle(topology)
        assert topology.digests_to(emails) == once_each(people)
        # The lag was felt: sends were enqueued again and stopped by the claim.
        assert "succeeded" in topology["worker-digest"].log(since=log_from)
        assert ": 'already'" in topology["worker-digest"].log(since=log_from)
    finally:
        topology.replica_delay(0)
    wait_for(lambda: topology.replica_caught_up(), timeout=60, what="the replica")
    no_message_twice(topology)


def test_digest_worker_killed_mid_batch_and_each_person_gets_one_email(topology):
    """Drill 3. The digest worker is killed (SIGKILL, with its pool) while sending the second
    person's email (the SMTP server holds it): the claim it left behind is taken again once its
    lease is over, the batch finishes after a restart, and everyone gets exactly one email."""
    quiet(topology)
    people = circle(topology, "killed", size=4)
    held = people[1]
    (topology.mail / "hold").write_text(held.email)
    try:
        week_passes(topology, people)
        topology["beat"].start()
        wait_for(lambda: (topology.mail / "held").exists(), timeout=60, what="the send")
        status = (
            "SELECT d.status FROM digest_digestdelivery d JOIN digest_digest g "
            "ON g.id = d.digest_id WHERE g.user_id = %s"
        )
        assert topology.query("primary", status, [held.id]) == [("sending",)]  # claimed
        topology["worker-digest"].kill(signal.SIGKILL)
    finally:
        (topology.mail / "hold").unlink()
        (topology.mail / "held").unlink(missing_ok=True)
    assert topology.digests_to([held.email]) == {held.email: 0}
    topology["worker-digest"].start()

    assert digests_arrive(topology, people) == once_each(people)
    assert topology.query("primary", status, [held.id]) == [("sent",)]
    no_message_twice(topology)


def test_redis_restarts_and_nothing_queued_is_lost(topology):
    """Drill 4. Redis (cache and broker, no persistence) is killed with a digest schedule
    queued: the web nodes keep answering without a cache, and after the restart beat's next
    run enqueues the lost work again; each person gets one email."""
    quiet(topology)
    people = circle(topology, "redis")
    person = people[0]
    sessions = {node: person.browser(node) for node in WEB_NODES}
    topology["worker-digest"].stop()  # the digest queue fills and nobody takes from it
    week_passes(topology, people)
    topology["beat"].start()
    wait_for(lambda: broker(topology).llen("digest") > 0, timeout=30, what="a queued schedule")

    topology["redis"].kill(signal.SIGKILL)
    for node in WEB_NODES:
        me = person.get("/api/v1/me/", node=node)
        assert me.status_code == 200
        assert me.json()["username"] == person.username
        feed = sessions[node].get(topology.url(node) + "/feed/", timeout=30)
        assert feed.status_code == 200
        assert person.username in feed.text
        comment = person.post(
            f"/api/v1/posts/{_a_post_of(topology, people[1])}/comments/",
            node=node,
            json={"body": "Still here"},
        )
        assert comment.status_code == 201
        ready = requests.get(f"{topology.url(node)}/health/ready/", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["cache"] == "unavailable"

    topology["redis"].start()  # empty: the queued schedule is gone
    topology["worker-digest"].start()
    assert digests_arrive(topology, people) == once_each(people)
    no_message_twice(topology)


def _a_post_of(topology: Topology, person: Person) -> int:
    sql = "SELECT id FROM social_post WHERE author_id = %s"
    return topology.query("primary", sql, [person.id])[0][0]


def test_a_web_node_dies_and_the_other_serves_the_same_person(topology):
    """Drill 5. Logged in (session cookie and JWT) on web1, which is then killed: web2 serves
    the same person, with what they did on web1."""
    person = Person(topology, "node")
    session = person.browser("web1")
    shared = person.share("Posted on web1", node="web1")
    assert shared.status_code == 201

    topology["web1"].kill(signal.SIGKILL)
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(topology.url("web1") + "/health/", timeout=5)
        page = session.get(topology.url("web2") + "/settings/", allow_redirects=False, timeout=30)
        assert page.status_code == 200  # not a redirect to the login page
        assert "Log out" in page.text
        me = person.get("/api/v1/me/", node="web2")
        assert me.status_code == 200
        assert me.json()["username"] == person.username
        mine = person.get(f"/api/v1/posts/?author={person.username}", node="web2")
        assert [post["body"] for post in mine.json()["results"]] == ["Posted on web1"]
    finally:
        topology.restart("web1")
    again = session.get(topology.url("web1") + "/settings/", allow_redirects=False, timeout=30)
    assert again.status_code == 200


class StopsMidway(io.BytesIO):
    """A request body that calls `midway()` once its first bytes are on their way."""

    def __init__(self, data: bytes, midway):
        super().__init__(data)
        self.midway, self.fired = midway, False

    def __len__(self):
        return len(self.getbuffer())

    def read(self, size=-1):
        chunk = super().read(size)
        if chunk and not self.fired:
            self.fired = True
            self.midway()
        return chunk


def test_s3_stops_during_an_upload(topology):
    """Drill 6. S3 stops while a photo is being uploaded: 503, no post, no photo row; once S3
    is back, the next upload works."""
    person = Person(topology, "upload")
    counts = (
        "SELECT (SELECT count(*) FROM social_post WHERE author_id = %(id)s), "
        "(SELECT count(*) FROM social_photo p JOIN social_post s ON s.id = p.post_id "
        "WHERE s.author_id = %(id)s)"
    )

    def rows():
        return topology.query("primary", counts, {"id": person.id})[0]

    body, content_type = encode_multipart_formdata(
        {"body": "Mid-upload", "photos": ("big.jpg", photo(side=500), "image/jpeg")}
    )
    assert len(body) > 200_000  # sent in many writes: S3 stops after the first
    response = person.post(
        "/api/v1/posts/",
        data=StopsMidway(body, midway=lambda: topology["s3"].kill(signal.SIGKILL)),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "storage_unavailable"
    assert rows() == (0, 0)

    topology["s3"].start()
    topology.s3_bucket()  # moto keeps nothing: a new, empty S3
    response = person.share("S3 is back")
    assert response.status_code == 201
    assert rows() == (1, 1)
    (keys,) = topology.query(
        "primary",
        "SELECT display_key FROM social_photo p JOIN social_post s ON s.id = p.post_id "
        "WHERE s.author_id = %s",
        [person.id],
    )
    assert keys[0] in topology.s3_keys()


FIGURES = ROOT / "test-artifacts" / "topology-figures.json"


def test_capacity_figures(topology):
    """Not a drill: the figures README "Scaling" plans with, written to FIGURES. CPU time is
    counted on the serving processes themselves (web node, digest worker, primary), so a busy
    machine slows the run more than it changes the figures."""
    quiet(topology)
    people = circle(topology, "capacity", size=20)
    reader = people[0]
    for other in people[2:-1]:  # a full feed page: the reader is connected to everyone
        for asker, asked in ((reader, other), (other, reader)):
            response = asker.post(
                "/api/v1/connections/requests/", json={"username": asked.username}
            )
            assert response.status_code == 201, response.text
    accepted_emails_arrive(topology, people, len(people) + len(people[2:-1]))
    web, worker, primary = topology["web2"], topology["worker-digest"], topology["primary"]

    # The API feed (with presigned photo URLs) on one web node: 1 process, 4 threads.
    statuses: list[list[int]] = [[] for _ in range(8)]

    def client(answers: list[int]):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {reader.access}"
            while time.monotonic() < until:
                url = topology.url("web2") + "/api/v1/feed/"
                answers.append(session.get(url, timeout=30).status_code)

    web_cpu, database_cpu, began = web.cpu_seconds(), primary.cpu_seconds(), time.monotonic()
    until = began + 8
    threads = [threading.Thread(target=client, args=(answers,)) for answers in statuses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    answers = [status for answers in statuses for status in answers]
    assert set(answers) == {200}
    page = reader.get("/api/v1/feed/", node="web2").json()
    web_figures = {
        "requests": len(answers),
        "posts_per_page": len(page["results"]),
        "requests_per_second": round(len(answers) / elapsed, 1),
        "requests_per_cpu_second": round(len(answers) / (web.cpu_seconds() - web_cpu), 1),
        "database_cpu_ms_per_request": round(
            1000 * (primary.cpu_seconds() - database_cpu) / len(answers), 2
        ),
    }

    # The weekly digest of 20 people: beat, one digest worker process, the primary.
    week_passes(topology, people)
    worker_cpu, database_cpu, began = worker.cpu_seconds(), primary.cpu_seconds(), time.monotonic()
    topology["beat"].start()
    emails = [person.email for person in people]
    wait_for(lambda: all(topology.digests_to(emails).values()), timeout=120, what="digests")
    elapsed = time.monotonic() - began
    digest_figures = {
        "digests": len(people),
        "seconds_from_beat_start": round(elapsed, 1),
        "digests_per_worker_cpu_second": round(
            len(people) / (worker.cpu_seconds() - worker_cpu), 1
        ),
        "database_cpu_ms_per_digest": round(
            1000 * (primary.cpu_seconds() - database_cpu) / len(people), 2
        ),
    }
    settle(topology)
    assert topology.digests_to(emails) == once_each(people)
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps({"web": web_figures, "digest": digest_figures}, indent=2))
