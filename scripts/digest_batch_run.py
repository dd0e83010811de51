"""One run of the weekly digest batch in one process — `digest_deliver` for the same people,
as the worker runs it — to compare two checkouts in one session (docs/performance.md, Round 6).

Run it from each checkout's directory, with DATABASE_URL on that checkout's own copy of the
benchmark dataset (`createdb -T intentional_bench ...`, migrated for that checkout), alternating:

    cd ../old && DATABASE_URL=.../digest_old python /path/to/digest_batch_run.py "old 1"
    cd ../new && DATABASE_URL=.../digest_new python /path/to/digest_batch_run.py "new 1"

Arguments: LABEL [FIRST LAST WEEK] (people FIRST..LAST, default 3001..3200, week 2026-W48);
WARMUP=N delivers N other people first, untimed. Their digests of the week are deleted first
(and the digest tables vacuumed): it writes to the database it is given, never run it on real
data.
"""

import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intentional.settings.base")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

from digest.models import Digest  # noqa: E402
from digest.services import digest_deliver  # noqa: E402
from digest.weeks import week_parse  # noqa: E402


def status(field: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


from django.db import connection  # noqa: E402

if "bench_dataset" not in connection.introspection.table_names():
    sys.exit("not a benchmark database (manage.py bench --load-only builds one): nothing done")
label = sys.argv[1]
first, last = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (3001, 3200)
week = week_parse(sys.argv[4] if len(sys.argv) > 4 else "2026-W48")
ids = list(range(first, last + 1))
assert not settings.DEBUG
# Warm-up (untimed, as a worker that has been running): WARMUP other people, after `last`.
warmup = list(range(last + 1, last + 1 + int(os.environ.get("WARMUP", "0"))))
# Deliveries and entries (and memories, on the new schema) go with their digest (CASCADE).
Digest.objects.filter(user_id__in=ids + warmup, week=str(week)).delete()
# Deleting and storing the same digests run after run leaves dead rows behind (this copy of the
# dataset has no other traffic to wake autovacuum): vacuum them, as autovacuum would.

with connection.cursor() as cursor:
    tables = [t for t in connection.introspection.table_names() if t.startswith("digest_")]
    cursor.execute("VACUUM (ANALYZE) " + ", ".join(tables))
for user_id in warmup:
    digest_deliver(user_id=user_id, week=week)
getattr(mail, "outbox", []).clear()
outcomes: dict[str, int] = {}
hwm = []
sent = 0
rss_start = status("VmRSS")
started = time.perf_counter()
for done, user_id in enumerate(ids, 1):
    outcome = digest_deliver(user_id=user_id, week=week)
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
    sent += len(mail.outbox)
    getattr(mail, "outbox", []).clear()
    if done % 50 == 0:
        hwm.append(round(status("VmHWM"), 1))
seconds = time.perf_counter() - started
sys.stdout.write(
    f"{label}: {len(ids)} people in {seconds:.2f} s = {len(ids) / seconds:.1f} digests/s; "
    f"outcomes {outcomes}; RSS at start {rss_start:.1f} MiB, VmHWM after 50/100/150/200: {hwm}"
    f"; {sent} emails; warm-up {len(warmup)}\n"
)
