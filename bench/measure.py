"""Measurements of `manage.py bench`: latency and SQL queries per page, digest build and batch,
and the query plans (docs/performance.md).

Pages go through Django's test client, in-process, on the configured database, with the
production middleware; SQL statements are counted (and recorded, for EXPLAIN) by an execute
wrapper, which adds no work of note to a query. Nothing here asserts a time: the checks
(`--small`, `--check`) fail only on query counts that change with the data and on sequential
scans that an index could have avoided.
"""

import json
import logging
import multiprocessing
import os
import random
import re
import statistics
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken

from bench.dataset import dataset_anchor
from digest.models import Digest, DigestDelivery
from digest.selectors import digest_select
from digest.services import SENT, digest_build, digest_deliver
from digest.weeks import week_last_completed
from intentional.db import is_prepared, precompiled_cursor
from intentional.runtime import gc_tune_for_serving, gc_untune
from social.models import User

# Query budgets per page after authentication (SPEC §4: constant, whatever the data).
FEED_MAX_QUERIES = 4
# Tables a plan must never scan sequentially at scale (the list, and the graph).
GUARDED_TABLES = {
    "social_post",
    "social_comment",
    "social_photo",
    "connections_tagmembership",
    "social_postaudiencetag",
    "connections_connection",
}
# The Procfile's worker runs `--concurrency ${WORKER_CONCURRENCY:-2}` processes: the parallel
# batch measures as many by default (test_bench checks the two agree).
PROCFILE_WORKER_CONCURRENCY = 2
BENCH_SETTINGS = {
    # As in production: no per-query log kept in memory (it would also skew the batch's
    # memory figure), whatever DEBUG the command was started with.
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "RATELIMIT_ENABLE": False,
    "SECURE_SSL_REDIRECT": False,
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LLM_API_URL": "",
}


class Statement(NamedTuple):
    sql: str
    params: tuple | list | None
    # Run as a prepared statement (intentional.db): measured and explained the same way.
    prepared: bool = False


class Recorder:
    """Counts (and keeps) the SQL statements run on the default connection."""

    def __init__(self):
        self.statements: list[Statement] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(Statement(sql, params, is_prepared(context["cursor"])))
        return execute(sql, params, many, context)

    @contextmanager
    def recording(self):
        self.statements = []
        with connection.execute_wrapper(self):
            yield self


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(times_ms: list[float], queries: list[int]) -> dict:
    return {
        "n": len(times_ms),
        "p50_ms": round(percentile(times_ms, 0.50), 2),
        "p95_ms": round(percentile(times_ms, 0.95), 2),
        "p99_ms": round(percentile(times_ms, 0.99), 2),
        "queries": sorted(set(queries)),
    }


def _is_auth_query(sql: str) -> bool:
    """The one query that loads the signed-in person (JWT or session)."""
    return (
        sql.lstrip().upper().startswith("SELECT")
        and 'FROM "social_user"' in sql.split("WHERE")[0]
        and '"social_user"."id" =' in sql
    )


def _is_session_query(sql: str) -> bool:
    return 'FROM "django_session"' in sql


class Bench:
    def __init__(
        self, *, status: dict, samples: int, batch_users: int, out, batch_workers: int = 1
    ):
        self.status, self.samples, self.batch_users, self.out = status, samples, batch_users, out
        self.batch_workers = batch_workers
        self.rng = random.Random(status["seed"])
        self.anchor: datetime = dataset_anchor(status)
        self.week = week_last_completed("UTC", now=self.anchor)
        self.recorder = Recorder()
        self.report: dict = {
            "dataset": {k: status[k] for k in ("users", "posts", "comments", "seed", "anchor")},
            "rows": status["rows"],
            "digest_week": str(self.week),
            "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "results": {},
            "plans": {},
            "failures": [],
        }
        self.plan_sources: dict[str, list[tuple[str, object]]] = {}
        ids = self.rng.sample(range(1, status["users"] + 1), min(samples, status["users"]))
        self.people = list(User.objects.filter(pk__in=ids).order_by("pk"))
        self.rng.shuffle(self.people)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # --- helpers -------------------------------------------------------------------------

    def token(self, user) -> str:
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=timedelta(hours=4))
        return str(token)

    def timed(self, call, *args, **kwargs) -> tuple[float, list, object]:
        with self.recorder.recording():
            started = time.perf_counter()
            result = call(*args, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, list(self.recorder.statements), result

    def after_auth(self, statements: list) -> list:
        """The statements of a request after the person was loaded."""
        rest = [s for s in statements if not _is_session_query(s.sql)]
        if rest and _is_auth_query(rest[0].sql):
            rest = rest[1:]
        return rest

    def keep_plan(self, name: str, statements: list) -> None:
        if name not in self.plan_sources:
            self.plan_sources[name] = [
                statement
                for statement in statements
                if statement.sql.lstrip().upper().startswith("SELECT")
            ]

    def measure_pages(self, name: str, requests: list, *, warmup: int = 5) -> dict:
        """requests: [(client, path, extra headers)]; records latency and queries after auth."""
        for client, path, headers in requests[:warmup]:
            client.get(path, **headers)
        times, counts, ran = [], [], []
        for client, path, headers in requests:
            elapsed, statements, response = self.timed(client.get, path, **headers)
            if response.status_code != 200:
                self.report["failures"].append(f"{name}: {path} answered {response.status_code}")
                continue
            rest = self.after_auth(statements)
            times.append(elapsed)
            counts.append(len(rest))
            ran.append(statements)
            self.keep_plan(name, rest)
        result = summary(times, counts)
        # Every statement the request ran (session and person included), again on a bare
        # cursor: what the page would cost with no Python at all.
        bare = [self.bare_sql_ms(statements) for statements in ran]
        result["bare_sql_all_p50_ms"] = round(statistics.median(bare), 2) if bare else 0.0
        result["ratio_end_to_end_to_bare_all"] = round(
            result["p50_ms"] / max(result["bare_sql_all_p50_ms"], 1e-6), 2
        )
        self.report["results"][name] = result
        self.say(
            f"  {name:<28} p50 {result['p50_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms  "
            f"p99 {result['p99_ms']:7.2f} ms  queries {result['queries']}  "
            f"bare SQL (all statements) p50 {result['bare_sql_all_p50_ms']:.2f} ms, "
            f"end-to-end / bare {result['ratio_end_to_end_to_bare_all']}"
        )
        return result

    @staticmethod
    def bare_sql_ms(statements: list) -> float:
        """The SELECTs of one request run again on a cursor, in order (ms, in all), each as
        the request ran it (a prepared statement again as one)."""
        started = time.perf_counter()
        for statement in statements:
            if statement.sql.lstrip().upper().startswith("SELECT"):
                _run_bare(statement)
        return (time.perf_counter() - started) * 1000

    # --- measurements ----------------------------------------------------------------------

    def feed(self) -> None:
        api = Client()
        tokens = {user.pk: self.token(user) for user in self.people}
        path = reverse("api-feed")
        requests = [
            (api, path, {"HTTP_AUTHORIZATION": f"Bearer {tokens[user.pk]}"}) for user in self.people
        ]
        self.measure_pages("api_feed", requests)
        # Bare SQL: the feed's main query, as the page ran it, on a cursor.
        bare = []
        for _client, _path, headers in requests:
            _elapsed, statements, _response = self.timed(api.get, path, **headers)
            main = next(s for s in self.after_auth(statements) if '"social_post"' in s.sql)
            started = time.perf_counter()
            _run_bare(main)
            bare.append((time.perf_counter() - started) * 1000)
        feed = self.report["results"]["api_feed"]
        feed["bare_sql_p50_ms"] = round(statistics.median(bare), 2)
        feed["ratio_end_to_end_to_bare"] = round(
            feed["p50_ms"] / max(feed["bare_sql_p50_ms"], 1e-6), 2
        )
        self.say(
            f"  {'feed, bare SQL':<28} p50 {feed['bare_sql_p50_ms']:7.2f} ms  "
            f"end-to-end / bare SQL {feed['ratio_end_to_end_to_bare']}"
        )
        # Page size must not change the count (SPEC §4).
        by_size = {}
        for size in (5, 50):
            counts = set()
            for _client, _path, headers in requests[:10]:
                _e, statements, _r = self.timed(api.get, path, {"page_size": size}, **headers)
                counts.add(len(self.after_auth(statements)))
            by_size[size] = sorted(counts)
        feed["queries_by_page_size"] = by_size
        self.token_of = tokens

    def post_profile_comments(self) -> None:
        with connection.cursor() as cursor:
            # A connection of each person (their profile), and the post with the most comments
            # among their first ten connections' posts to all their connections.
            friends, posts = {}, {}
            for user in self.people:
                cursor.execute(
                    "SELECT CASE WHEN user_a_id = %s THEN user_b_id ELSE user_a_id END "
                    "FROM connections_connection WHERE status = 'accepted' "
                    "AND (user_a_id = %s OR user_b_id = %s) ORDER BY 1 LIMIT 1",
                    [user.pk] * 3,
                )
                row = cursor.fetchone()
                if not row:
                    continue
                friends[user.pk] = row[0]
                cursor.execute(
                    "SELECT p.id FROM social_post p WHERE p.author_id IN ("
                    "  SELECT CASE WHEN user_a_id = %s THEN user_b_id ELSE user_a_id END "
                    "  FROM connections_connection WHERE status = 'accepted' "
                    "  AND (user_a_id = %s OR user_b_id = %s) ORDER BY 1 LIMIT 10"
                    ") AND p.audience = 'connections' ORDER BY "
                    "(SELECT count(*) FROM social_comment c WHERE c.post_id = p.id) DESC, p.id "
                    "LIMIT 1",
                    [user.pk] * 3,
                )
                row = cursor.fetchone()
                if row:
                    posts[user.pk] = row[0]
            # Each person's own newest post to others (its page lists who can see it).
            own = {}
            for user in self.people:
                cursor.execute(
                    "SELECT id FROM social_post WHERE author_id = %s AND audience <> 'private' "
                    "ORDER BY created_at DESC, id DESC LIMIT 1",
                    [user.pk],
                )
                row = cursor.fetchone()
                if row:
                    own[user.pk] = row[0]
        names = dict(User.objects.filter(pk__in=friends.values()).values_list("pk", "username"))
        sessions = {}
        for user in self.people:
            client = Client()
            client.force_login(user)
            sessions[user.pk] = client
        people = [u for u in self.people if u.pk in posts]
        self.measure_pages(
            "post_page",
            [(sessions[u.pk], reverse("social:post", args=[posts[u.pk]]), {}) for u in people],
        )
        self.measure_pages(
            "post_page_author",
            [
                (sessions[u.pk], reverse("social:post", args=[own[u.pk]]), {})
                for u in self.people
                if u.pk in own
            ],
        )
        self.measure_pages(
            "profile_timeline",
            [
                (sessions[u.pk], reverse("social:profile", args=[names[friends[u.pk]]]), {})
                for u in self.people
                if u.pk in friends
            ],
        )
        api = Client()
        self.measure_pages(
            "api_comments",
            [
                (
                    api,
                    reverse("api-post-comments", args=[posts[u.pk]]),
                    {"HTTP_AUTHORIZATION": f"Bearer {self.token_of[u.pk]}"},
                )
                for u in people
            ],
        )
        # How many comments those pages showed (the viewer sees the comments of the author,
        # of their own connections and their own).
        shown = [
            len(
                api.get(
                    reverse("api-post-comments", args=[posts[u.pk]]),
                    {"page_size": 50},
                    HTTP_AUTHORIZATION=f"Bearer {self.token_of[u.pk]}",
                ).json()["results"]
            )
            for u in people[:20]
        ]
        self.report["results"]["post_page"]["visible_comments_median"] = (
            statistics.median(shown) if shown else 0
        )
        median = statistics.median(shown) if shown else 0
        self.say(f"  {'':<28} median comments shown on the post page: {median}")

    def search(self) -> None:
        """The API search (SPEC §9) for each sampled person: a word no post holds (the GIN
        index answers alone) and one most posts hold (the circle's posts are ranked)."""
        api = Client()
        path = reverse("api-search")
        for name, word in (("api_search_rare", "zeppelin"), ("api_search_common", "birthday")):
            self.measure_pages(
                name,
                [
                    (
                        api,
                        f"{path}?q={word}",
                        {"HTTP_AUTHORIZATION": f"Bearer {self.token_of[u.pk]}"},
                    )
                    for u in self.people
                ],
            )

    def digests(self) -> None:
        week = self.week
        people = self.people
        Digest.objects.filter(user__in=people, week=str(week)).delete()
        # The selection query, recorded for its plan.
        _e, statements, _r = self.timed(digest_select, recipient=people[0], week=week)
        self.keep_plan("digest_select", statements)
        times, counts, sizes = [], [], []
        for user in people:
            elapsed, statements, digest = self.timed(digest_build, user=user, week=week)
            times.append(elapsed)
            counts.append(len(statements))
            sizes.append(digest.entries.count())
        result = summary(times, counts)
        result["queries_non_empty"] = sorted(
            {count for count, size in zip(counts, sizes, strict=True) if size}
        )
        result["entries_median"] = statistics.median(sizes)
        self.report["results"]["digest_build"] = result
        self.say(
            f"  {'digest build':<28} p50 {result['p50_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms"
            f"  p99 {result['p99_ms']:7.2f} ms  queries {result['queries']} "
            f"(non-empty {result['queries_non_empty']}, median {result['entries_median']} pages)"
        )

    def batch(self) -> None:
        """The weekly batch as the worker runs it (build + email, per person), streamed: in
        this process, then split across 1 and `batch_workers` worker processes."""
        week = self.week
        first = User.objects.order_by("pk").values_list("pk", flat=True)

        def run(limit: int, offset: int, *, trace: bool) -> tuple[int, float, list, Counter]:
            ids = list(first[offset : offset + limit])
            Digest.objects.filter(user_id__in=ids, week=str(week)).delete()
            peaks = []
            done = 0
            outcomes = Counter()
            started = time.perf_counter()
            users = User.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
            for user_id in users.iterator(chunk_size=500):
                outcomes[digest_deliver(user_id=user_id, week=week)] += 1
                done += 1
                if trace and done % 50 == 0:
                    peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            return done, time.perf_counter() - started, peaks, outcomes

        done, seconds, _, outcomes = run(self.batch_users, 0, trace=False)
        rate = done / seconds if seconds else 0.0
        tracemalloc.start()
        traced_users = max(100, self.batch_users // 3)
        _d, _s, peaks, _o = run(traced_users, self.batch_users, trace=True)
        tracemalloc.stop()
        quarter = peaks[: max(1, len(peaks) // 4)]
        result = {
            "users": done,
            "seconds": round(seconds, 1),
            "digests_per_second": round(rate, 1),
            "outcomes": dict(outcomes),
            "traced_users": traced_users,
            "python_peak_mib_first_quarter": round(max(quarter), 1) if quarter else 0,
            "python_peak_mib_all": round(max(peaks), 1) if peaks else 0,
        }
        self.report["results"]["digest_batch"] = result
        self.say(
            f"  {'weekly digest batch':<28} {done} people in {result['seconds']} s: "
            f"{result['digests_per_second']} digests/s; Python heap peak "
            f"{result['python_peak_mib_first_quarter']} MiB after a quarter of "
            f"{traced_users}, {result['python_peak_mib_all']} MiB after all"
        )
        ids = list(first[: self.batch_users])
        parallel = {}
        for workers in sorted({1, self.batch_workers}):
            measured = self.batch_in_processes(ids, workers=workers, expected=outcomes)
            parallel[str(workers)] = measured
            self.say(
                f"  {'  in ' + str(workers) + ' process' + ('es' if workers > 1 else ''):<28} "
                f"{measured['users']} people in {measured['seconds']} s: "
                f"{measured['digests_per_second']} digests/s; peak RSS per process "
                f"{', '.join(str(p['peak_rss_mib']) for p in measured['processes'])} MiB "
                f"(+{', '.join(str(p['rss_growth_mib']) for p in measured['processes'])} MiB "
                f"during the run)"
            )
        result["processes"] = parallel

    def batch_in_processes(self, ids: list[int], *, workers: int, expected: Counter) -> dict:
        """The batch for `ids` split across `workers` forked processes, as Celery's prefork
        pool runs it: each process its own database connection and its own people, all
        started together; digests/s over the wall time from the first start to the last end.

        Fails the run if two processes shared a connection, if the outcomes differ from the
        serial run's, or if the database holds another number of sent emails than were sent.
        """
        week = self.week
        Digest.objects.filter(user_id__in=ids, week=str(week)).delete()
        # Round-robin: every process gets people from the whole id range.
        shares = [ids[index::workers] for index in range(workers)]
        # A forked child must not reuse the parent's socket: close it, each child opens its own.
        if connection.in_atomic_block:
            raise RuntimeError("the parallel batch needs committed data, not a transaction")
        connections.close_all()
        context = multiprocessing.get_context("fork")
        gate = context.Barrier(workers)
        answers = context.Queue()
        processes = [
            context.Process(target=_batch_worker, args=(share, week, gate, answers))
            for share in shares
        ]
        for process in processes:
            process.start()
        reports = [answers.get(timeout=3600) for _process in processes]
        for process in processes:
            process.join()
        errors = [report["error"] for report in reports if "error" in report]
        if errors:
            self.report["failures"].append(f"digest_batch in {workers} processes: {errors}")
            return {"users": 0, "seconds": 0, "digests_per_second": 0, "processes": []}
        outcomes = sum((Counter(report["outcomes"]) for report in reports), Counter())
        seconds = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
        done = sum(outcomes.values())
        sent_in_db = DigestDelivery.objects.filter(
            digest__user_id__in=ids, digest__week=str(week), status=DigestDelivery.Status.SENT
        ).count()
        backends = {report["backend_pid"] for report in reports}
        if len(backends) != workers:
            self.report["failures"].append(
                f"digest_batch in {workers} processes: {len(backends)} database connections"
            )
        if outcomes != expected or sent_in_db != outcomes[SENT]:
            self.report["failures"].append(
                f"digest_batch in {workers} processes: outcomes {dict(outcomes)}, "
                f"{sent_in_db} sent in the database; in one process: {dict(expected)}"
            )
        return {
            "users": done,
            "seconds": round(seconds, 1),
            "digests_per_second": round(done / seconds if seconds else 0.0, 1),
            "outcomes": dict(outcomes),
            "sent_in_database": sent_in_db,
            "database_connections": len(backends),
            "processes": [
                {
                    "users": sum(report["outcomes"].values()),
                    "seconds": round(report["finished"] - report["started"], 1),
                    "peak_rss_mib": report["peak_rss_mib"],
                    "rss_growth_mib": round(report["peak_rss_mib"] - report["start_rss_mib"], 1),
                }
                for report in reports
            ],
        }

    # --- plans -----------------------------------------------------------------------------

    def explain(self, *, show: bool, forbid_seqscan: bool) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) every SELECT each page ran; record sequential scans.

        With `forbid_seqscan` (the small CI dataset, where a sequential scan of a tiny table
        is the planner's right choice) the plans are made with enable_seqscan off: a
        sequential scan that is left is one no index could replace.
        """
        for name, statements in self.plan_sources.items():
            plans = []
            for statement in statements:
                sql = statement.sql
                with transaction.atomic(), connection.cursor() as cursor:
                    if forbid_seqscan:
                        cursor.execute("SET LOCAL enable_seqscan = off")
                    plan = _explain(cursor, statement, "ANALYZE, BUFFERS, FORMAT JSON")[0][0]
                    plan = plan if isinstance(plan, list) else json.loads(plan)
                    text = ""
                    if show:
                        rows = _explain(cursor, statement, "ANALYZE, BUFFERS")
                        text = "\n".join(row[0] for row in rows)
                scans = sorted(set(_seq_scans(plan[0]["Plan"])))
                plans.append(
                    {
                        "sql": sql[:300],
                        "prepared": statement.prepared,
                        "execution_ms": plan[0].get("Execution Time"),
                        "seq_scans": scans,
                    }
                )
                guarded = [t for t in scans if t in GUARDED_TABLES or forbid_seqscan]
                if guarded:
                    self.report["failures"].append(
                        f"{name}: sequential scan of {', '.join(guarded)}"
                    )
                if show:
                    self.say(f"\n--- {name} ---\n{sql}\n{text}")
            self.report["plans"][name] = plans
        seq = {
            name: sorted({t for p in plans for t in p["seq_scans"]})
            for name, plans in self.report["plans"].items()
        }
        self.say(f"  sequential scans in the plans: {seq}")

    def check_counts(self) -> None:
        results = self.report["results"]
        for name in (
            "api_feed",
            "post_page",
            "post_page_author",
            "profile_timeline",
            "api_comments",
            "api_search_rare",
            "api_search_common",
        ):
            counts = results.get(name, {}).get("queries", [])
            if len(counts) > 1:
                self.report["failures"].append(
                    f"{name}: the query count depends on the person: {counts}"
                )
        feed = results.get("api_feed", {})
        every = set(feed.get("queries", []))
        for counts in feed.get("queries_by_page_size", {}).values():
            every |= set(counts)
        if len(every) > 1:
            self.report["failures"].append(f"api_feed: query counts vary with page size: {every}")
        if every and max(every) > FEED_MAX_QUERIES:
            self.report["failures"].append(
                f"api_feed: {max(every)} queries after authentication (budget {FEED_MAX_QUERIES})"
            )
        build = results.get("digest_build", {})
        if len(build.get("queries_non_empty", [])) > 1:
            self.report["failures"].append(
                f"digest_build: the query count depends on the person: {build['queries_non_empty']}"
            )


def _proc_status_mib(field: str) -> float:
    """VmRSS / VmHWM (peak resident set) of this process, in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


_INHERITED_CONNECTIONS: list = []


def _batch_worker(user_ids: list[int], week, gate, answers) -> None:
    """One process of the parallel batch (forked): its own connection, its share of people."""
    try:
        # Whatever connection was inherited is the parent's: drop this process's copy of its
        # socket without a word to the server (as Celery's prefork pool does), then connect.
        for inherited in connections.all(initialized_only=True):
            if inherited.connection is not None:
                os.close(inherited.connection.fileno())
                # Kept, never finalized: its finalizer would write to a reused descriptor.
                _INHERITED_CONNECTIONS.append(inherited.connection)
                inherited.connection = None
        connection.ensure_connection()
        backend_pid = connection.connection.info.backend_pid
        start_rss = _proc_status_mib("VmRSS")
        gate.wait(timeout=600)
        started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
        outcomes = Counter(digest_deliver(user_id=user_id, week=week) for user_id in user_ids)
        finished = time.perf_counter()
        answers.put(
            {
                "backend_pid": backend_pid,
                "os_pid": os.getpid(),
                "started": started,
                "finished": finished,
                "outcomes": dict(outcomes),
                "start_rss_mib": start_rss,
                "peak_rss_mib": _proc_status_mib("VmHWM"),
            }
        )
    except Exception as error:  # reported to the parent, which fails the run
        gate.abort()
        answers.put({"error": repr(error)})
    finally:
        connection.close()


def _run_bare(statement: Statement) -> None:
    """One statement on a cursor, with no Python around it: as a prepared statement if the
    page ran it as one (then its plan is the connection's, made once)."""
    make = precompiled_cursor if statement.prepared else lambda c: c.cursor()
    with make(connection) as cursor:
        cursor.execute(statement.sql, statement.params)
        cursor.fetchall()


def _pg_type(value) -> str:
    """The PostgreSQL type a bound value is sent as (psycopg's choice, widened: an int may go
    as a smaller integer, with the same plan)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double precision"
    if isinstance(value, datetime):
        return "timestamptz" if value.tzinfo else "timestamp"
    return "text" if isinstance(value, str) else "unknown"


def _explain(cursor, statement: Statement, options: str) -> list:
    """EXPLAIN of the plan the page ran: for a prepared statement the generic plan (the
    connection's plan_cache_mode, settings), which EXPLAIN of the SQL with its values — a plan
    made for those values — would not show. Rows as EXPLAIN gives them."""
    if not statement.prepared:
        cursor.execute(f"EXPLAIN ({options}) {statement.sql}", statement.params)
        return cursor.fetchall()
    count = 0

    def number(match):
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    # Django's placeholders as PostgreSQL's ($1, $2, …), typed as psycopg sends the values.
    sql = re.sub(r"%%|%s", number, statement.sql)
    types = ", ".join(_pg_type(value) for value in statement.params or ())
    cursor.execute(
        f"PREPARE bench_plan ({types}) AS {sql}" if types else f"PREPARE bench_plan AS {sql}"
    )
    try:
        values = ", ".join(["%s"] * count)
        cursor.execute(f"EXPLAIN ({options}) EXECUTE bench_plan({values})", statement.params)
        return cursor.fetchall()
    finally:
        cursor.execute("DEALLOCATE bench_plan")


def _seq_scans(node: dict):
    if node.get("Node Type") == "Seq Scan":
        yield node.get("Relation Name")
    for child in node.get("Plans", []):
        yield from _seq_scans(child)


# Measurements `--skip` may leave out.
SKIPPABLE = ("search", "batch")


def bench_run(
    *,
    status: dict,
    samples: int,
    batch_users: int,
    explain: bool,
    check: bool,
    out,
    batch_workers: int = PROCFILE_WORKER_CONCURRENCY,
    skip: frozenset | set = frozenset(),
) -> dict:
    """Measure everything on the dataset described by `status` (but the measurements named in
    `skip`); returns the report."""
    small = status["users"] < 2000
    access_log = logging.getLogger("intentional.access")
    level = access_log.level
    access_log.setLevel(logging.WARNING)  # one line per request would drown the table
    try:
        return _bench_run(
            status=status,
            samples=samples,
            batch_users=batch_users,
            batch_workers=batch_workers,
            explain=explain,
            check=check,
            small=small,
            out=out,
            skip=skip,
        )
    finally:
        access_log.setLevel(level)


def _bench_run(
    *, status, samples, batch_users, batch_workers, explain, check, small, out, skip
) -> dict:
    with override_settings(**BENCH_SETTINGS):
        bench = Bench(
            status=status,
            samples=samples,
            batch_users=batch_users,
            batch_workers=batch_workers,
            out=out,
        )
        bench.say(
            f"Measuring with {len(bench.people)} sampled people "
            f"(digest week {bench.week}, dataset anchor {status['anchor'][:10]})"
        )
        # Pages as the web workers run them (intentional/wsgi.py tunes the collector); the
        # digest and the batch as the Celery worker does (CPython's defaults).
        previous = gc_tune_for_serving()
        try:
            bench.feed()
            bench.post_profile_comments()
            if "search" not in skip:
                bench.search()
        finally:
            gc_untune(previous)
        bench.digests()
        if "batch" not in skip:
            bench.batch()
        bench.explain(show=explain, forbid_seqscan=small and check)
        if check:
            bench.check_counts()
    if not check:
        # Without --check a sequential scan is reported, not a failure.
        bench.report["warnings"] = bench.report.pop("failures")
        bench.report["failures"] = []
    return bench.report
