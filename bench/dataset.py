"""The benchmark dataset of `manage.py bench`: deterministic, loaded with PostgreSQL COPY.

Everything is drawn from one `random.Random(seed)` in a fixed order, so the same seed and size
give the same rows (ids included); only the times move, relative to the anchor (the day the
dataset was built, midnight UTC). The graph is a shuffled circulant: person i is linked to
i ± k for a fixed set of offsets k, which gives everyone about the same number of accepted
connections (minus a random 15%), distinct pairs without bookkeeping, pending requests and a
few blocks on other offsets. Rows are written as COPY text in large chunks, with the foreign
key triggers off for the load (the generator only writes consistent rows) when the database
role may do that.

The dataset's parameters are kept in a table of its own, `bench_dataset`, outside Django's
models: a later run with the same parameters reuses the data, another size rebuilds it. A
database with people in it but no such table is refused, so the benchmark never wipes real data.
"""

import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

# Loaded tables, children last (TRUNCATE ... CASCADE takes digests along).
TABLES = [
    "social_user",
    "connections_connection",
    "connections_block",
    "connections_tag",
    "connections_tagmembership",
    "social_post",
    "social_postaudiencetag",
    "social_photo",
    "social_comment",
]
MARKER_TABLE = "bench_dataset"
# SPEC §12: a third follow their browser (""), the rest chose one of the four (by id, so the
# random stream and every other row stay as they were).
LANGUAGES = ["", "", "en", "fr", "de", "es"]
TIMEZONES = ["UTC"] * 6 + ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
TAG_NAMES = ["family", "close friends", "climbing crew"]
WORDS = [
    "the",
    "a",
    "we",
    "our",
    "today",
    "weekend",
    "trip",
    "family",
    "dinner",
    "park",
    "hike",
    "climbing",
    "lake",
    "mountain",
    "city",
    "friends",
    "birthday",
    "garden",
    "kids",
    "dog",
    "cat",
    "coffee",
    "morning",
    "sunset",
    "beach",
    "rain",
    "snow",
    "train",
    "bike",
    "finally",
    "new",
    "home",
    "work",
    "project",
    "book",
    "music",
    "concert",
    "walk",
    "river",
    "forest",
    "bread",
    "cake",
    "photo",
    "little",
    "big",
    "happy",
    "tired",
    "great",
    "lovely",
    "quiet",
    "long",
    "short",
    "first",
    "last",
    "again",
    "together",
    "with",
    "after",
    "before",
    "during",
    "around",
    "near",
    "finished",
    "started",
    "moved",
    "visited",
    "cooked",
    "made",
    "found",
    "saw",
    "grandma",
    "grandpa",
    "brother",
    "sister",
    "cousin",
    "baby",
    "wedding",
    "graduation",
    "job",
    "anniversary",
    "trail",
]
WEEKS = 8
CHUNK = 20_000


@dataclass(frozen=True)
class DatasetSize:
    users: int = 10_000
    posts: int = 1_000_000
    comments: int = 2_000_000
    connections: int = 100  # accepted per person, about
    seed: int = 42


SMALL = {"users": 300, "posts": 6_000, "comments": 12_000, "connections": 40}


class NotABenchDatabase(Exception):
    """The database holds people that this benchmark did not create."""


def dataset_status() -> dict | None:
    """The stored parameters of the dataset in the database, or None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM social_user)")
            if cursor.fetchone()[0]:
                raise NotABenchDatabase(
                    "This database has people in it and no benchmark dataset: point "
                    "DATABASE_URL at an empty database for the benchmark."
                )
            return None
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = 'dataset'")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def dataset_anchor(status: dict) -> datetime:
    return datetime.fromisoformat(status["anchor"])


class Progress:
    """One line per step, rewritten in place on a terminal, every 10% otherwise."""

    def __init__(self, out, label: str, total: int):
        self.out, self.label, self.total = out, label, max(total, 1)
        self.started = time.perf_counter()
        self.shown = -1
        self.tty = hasattr(out, "isatty") and out.isatty()

    def update(self, done: int) -> None:
        tenth = done * 10 // self.total
        if not self.tty and tenth == self.shown and done < self.total:
            return
        self.shown = tenth
        width = 30
        filled = min(width, width * done // self.total)
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"  {self.label:<22} [{bar}] {done:>9,}/{self.total:,} "
            f"{time.perf_counter() - self.started:6.1f} s"
        )
        self.out.write(("\r" + line) if self.tty else line + "\n")
        self.out.flush()

    def finish(self, done: int) -> None:
        if self.shown != 10 or self.tty:
            self.shown = -2
            self.update(done)
        if self.tty:
            self.out.write("\n")


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


class _Copy:
    """COPY text rows into one table, one COPY statement per chunk (so that several tables
    can be written in turn on one connection)."""

    def __init__(
        self, cursor, table: str, columns: list[str], out, total: int, label: str, live=True
    ):
        self.cursor, self.live = cursor, live
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.lines: list[str] = []
        self.count = 0
        self.progress = Progress(out, label, total)

    def row(self, *values) -> None:
        self.lines.append("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
        if len(self.lines) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            with self.cursor.copy(self.sql) as copy:
                copy.write("".join(self.lines))
            self.count += len(self.lines)
            self.lines = []
            if self.live:
                self.progress.update(self.count)

    def close(self) -> int:
        self.flush()
        self.progress.finish(self.count)
        return self.count


def _words(rng: random.Random, low: int, high: int) -> tuple[str, int]:
    n = rng.randint(low, high)
    return " ".join(rng.choices(WORDS, k=n)), n


def dataset_build(size: DatasetSize, *, out=sys.stdout, anchor: datetime | None = None) -> dict:
    """Wipe the benchmark tables and load a dataset of `size`; returns its stored parameters."""
    anchor = anchor or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(size.seed)
    started = time.perf_counter()
    n = size.users
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    stats: dict = {}
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:
            out.write("  (foreign key triggers stay on: this role may not turn them off)\n")
        raw = cursor.cursor  # psycopg's own cursor, for COPY

        # --- People ------------------------------------------------------------------------
        password = make_password("bench-password")
        joined = _stamp(anchor - timedelta(days=365))
        copy = _Copy(
            raw,
            "social_user",
            [
                "id",
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "username",
                "email",
                "display_name",
                "bio",
                "avatar_key",
                "timezone",
                "digest_email_enabled",
                "memories_enabled",
                "notification_emails",
                "language",
            ],
            out,
            n,
            "people",
        )
        timezones = []
        for uid in range(1, n + 1):
            zone = rng.choice(TIMEZONES)
            timezones.append(zone)
            copy.row(
                uid,
                password,
                "f",
                "f",
                "t",
                joined,
                f"bench{uid:06d}",
                f"bench{uid:06d}@example.com",
                f"Bench Person {uid}",
                "",
                "",
                zone,
                "t",
                "t",
                "{}",
                LANGUAGES[uid % len(LANGUAGES)],
            )
        stats["users"] = copy.close()

        # --- Connections: a shuffled circulant graph ---------------------------------------
        order = list(range(1, n + 1))
        rng.shuffle(order)
        keep = 0.85
        accepted_offsets = max(1, min(round(size.connections / 2 / keep), (n - 1) // 2 - 4))
        offsets = rng.sample(range(1, (n + 1) // 2), min(accepted_offsets + 3, (n - 1) // 2))
        accepted_k, pending_k = offsets[:accepted_offsets], offsets[accepted_offsets:]
        friends: list[list[int]] = [[] for _ in range(n + 1)]
        pairs = set()
        copy = _Copy(
            raw,
            "connections_connection",
            ["status", "created_at", "accepted_at", "requested_by_id", "user_a_id", "user_b_id"],
            out,
            n * (len(accepted_k) + len(pending_k)),
            "connections",
        )
        since = anchor - timedelta(days=200)
        for index in range(n):
            me = order[index]
            for k in accepted_k + pending_k:
                other = order[(index + k) % n]
                a, b = min(me, other), max(me, other)
                is_accepted = k in accepted_k
                if is_accepted and rng.random() > keep:
                    continue
                if (a, b) in pairs:
                    continue
                pairs.add((a, b))
                created = since + timedelta(seconds=rng.randrange(150 * 86400))
                if is_accepted:
                    friends[a].append(b)
                    friends[b].append(a)
                    copy.row(
                        "accepted",
                        _stamp(created),
                        _stamp(created + timedelta(hours=5)),
                        rng.choice((a, b)),
                        a,
                        b,
                    )
                else:
                    copy.row("pending", _stamp(created), None, rng.choice((a, b)), a, b)
        stats["connections"] = copy.close()
        del pairs

        # Blocks: one person in five blocks someone they are not connected to.
        copy = _Copy(
            raw, "connections_block", ["created_at", "blocker_id", "blocked_id"], out, n, "blocks"
        )
        connected_offsets = set(offsets) | {n - k for k in offsets}
        spare = [k for k in range(1, n) if k not in connected_offsets]
        block_k = rng.choice(spare) if spare else None
        for index in range(n):
            if block_k is None or rng.random() >= 0.2:
                continue
            blocker, blocked = order[index], order[(index + block_k) % n]
            copy.row(_stamp(since), blocker, blocked)
        stats["blocks"] = copy.close()

        # --- Tags: three per person, each on ~10 of their connections ---------------------
        copy = _Copy(
            raw, "connections_tag", ["id", "name", "created_at", "owner_id"], out, 3 * n, "tags"
        )
        for uid in range(1, n + 1):
            for t, name in enumerate(TAG_NAMES):
                copy.row(3 * (uid - 1) + t + 1, name, _stamp(since), uid)
        stats["tags"] = copy.close()
        members: dict[int, list[int]] = {}
        copy = _Copy(
            raw,
            "connections_tagmembership",
            # Labelled with earlier posts shown (the default): who sees what is as before.
            ["created_at", "tag_id", "target_id", "include_earlier_posts"],
            out,
            30 * n,
            "tag memberships",
        )
        for uid in range(1, n + 1):
            mine = friends[uid]
            for t in range(3):
                tag_id = 3 * (uid - 1) + t + 1
                chosen = rng.sample(mine, min(len(mine), rng.randint(5, 15)))
                members[tag_id] = chosen
                for target in chosen:
                    copy.row(_stamp(since), tag_id, target, "t")
        stats["tag_memberships"] = copy.close()

        # --- Posts, their audience tags and photos ----------------------------------------
        span = WEEKS * 7 * 86400
        moments = sorted(rng.random() * span for _ in range(size.posts))
        # 5% of posts get 20 comments (post pages with a full page of comments); the rest
        # of the comments fall on random posts.
        counts = [0] * size.posts
        busy = rng.sample(range(size.posts), min(size.posts, size.comments // 40))
        for index in busy:
            counts[index] = 20
        for _ in range(max(0, size.comments - 20 * len(busy))):
            counts[rng.randrange(size.posts)] += 1

        posts = _Copy(
            raw,
            "social_post",
            ["id", "body", "audience", "is_milestone", "importance", "created_at", "author_id"],
            out,
            size.posts,
            "posts",
        )
        audience_tags = _Copy(
            raw,
            "social_postaudiencetag",
            ["post_id", "tag_id"],
            out,
            size.posts // 5,
            "post audience tags",
            live=False,
        )
        photos = _Copy(
            raw,
            "social_photo",
            [
                "position",
                "display_key",
                "thumbnail_key",
                "width",
                "height",
                "thumbnail_width",
                "thumbnail_height",
                "alt",
                "created_at",
                "post_id",
            ],
            out,
            size.posts * 3 // 5,
            "photos",
            live=False,
        )
        comments = _Copy(
            raw,
            "social_comment",
            ["body", "created_at", "author_id", "post_id"],
            out,
            size.comments,
            "comments",
            live=False,
        )
        start = anchor - timedelta(seconds=span)
        for index, offset in enumerate(moments):
            post_id = index + 1
            author = rng.randrange(1, n + 1)
            created = start + timedelta(seconds=offset)
            roll = rng.random()
            audience = "connections" if roll < 0.7 else "tags" if roll < 0.9 else "private"
            milestone = rng.random() < 0.05
            body, words = _words(rng, 3, 90)
            photo_count = 0
            if rng.random() < 0.3:
                photo_count = rng.choices((1, 2, 3, 4), weights=(50, 25, 15, 10))[0]
            if audience == "connections":
                audience_people = friends[author]
            elif audience == "tags":
                first = 3 * (author - 1) + 1
                tag_ids = rng.sample(range(first, first + 3), rng.randint(1, 2))
                audience_people = sorted({m for tag_id in tag_ids for m in members[tag_id]})
                for tag_id in tag_ids:
                    audience_tags.row(post_id, tag_id)
            else:
                audience_people = []
            for position in range(photo_count):
                photos.row(
                    position,
                    f"bench/photos/{post_id}-{position}.jpg",
                    f"bench/thumbs/{post_id}-{position}.jpg",
                    2048,
                    1536,
                    480,
                    360,
                    f"Photo {position + 1} of post {post_id}",
                    _stamp(created),
                    post_id,
                )
            commenters = set()
            room = max(1.0, (anchor - created).total_seconds())
            for _ in range(counts[index]):
                # Half the comments are the author's replies (seen by everyone who sees
                # the post), the rest come from the post's audience.
                if audience_people and rng.random() < 0.5:
                    commenter = rng.choice(audience_people)
                    commenters.add(commenter)
                else:
                    commenter = author
                text, _count = _words(rng, 1, 25)
                when = created + timedelta(seconds=rng.random() * min(room, 2 * 86400))
                comments.row(text, _stamp(when), commenter, post_id)
            importance = min(
                10.0,
                1.0
                + min(words / 50, 2.0)
                + (1.0 if photo_count >= 1 else 0.0)
                + (0.5 if photo_count >= 3 else 0.0)
                + 0.5 * min(len(commenters), 4)
                + (6.0 if milestone else 0.0),
            )
            posts.row(
                post_id,
                body,
                audience,
                "t" if milestone else "f",
                round(importance, 3),
                _stamp(created),
                author,
            )
        stats["posts"] = posts.close()
        stats["post_audience_tags"] = audience_tags.close()
        stats["photos"] = photos.close()
        stats["comments"] = comments.close()

        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        status = {
            **asdict(size),
            "anchor": anchor.isoformat(),
            "built_in_seconds": round(time.perf_counter() - started, 1),
            "rows": stats,
        }
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (key text PRIMARY KEY, value jsonb)")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES ('dataset', %s::jsonb)", [json.dumps(status)]
        )
    out.write("  VACUUM ANALYZE ...\n")
    out.flush()
    with connection.cursor() as cursor:
        for table in TABLES:
            # VACUUM (for index-only scans) cannot run inside a transaction (tests).
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {table}")
    status["built_in_seconds"] = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {MARKER_TABLE} SET value = %s::jsonb WHERE key = 'dataset'",
            [json.dumps(status)],
        )
    return status


def dataset_matches(status: dict | None, size: DatasetSize) -> bool:
    if not status:
        return False
    return all(status.get(key) == value for key, value in asdict(size).items())
