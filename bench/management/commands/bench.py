"""manage.py bench: build or reuse the benchmark dataset, then measure (docs/performance.md)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import measure
from bench.dataset import (
    SMALL,
    DatasetSize,
    NotABenchDatabase,
    dataset_build,
    dataset_matches,
    dataset_status,
)


class Command(BaseCommand):
    help = (
        "Benchmark on the configured PostgreSQL: build (or reuse) a deterministic dataset, "
        "then print p50/p95/p99 latency and SQL queries of the feed, post page, profile, "
        "comments and digest. --small is the CI size: it fails if a page's query count "
        "depends on the data or a plan scans a table sequentially where an index exists."
    )

    def add_arguments(self, parser):
        defaults = DatasetSize()
        parser.add_argument("--users", type=int, help=f"people (default {defaults.users:,})")
        parser.add_argument("--posts", type=int, help=f"posts (default {defaults.posts:,})")
        parser.add_argument(
            "--comments", type=int, help=f"comments (default {defaults.comments:,})"
        )
        parser.add_argument(
            "--connections",
            type=int,
            help=f"accepted connections per person, about (default {defaults.connections})",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
        parser.add_argument(
            "--small",
            action="store_true",
            help=f"CI size ({SMALL['users']} people, {SMALL['posts']:,} posts) with checks",
        )
        parser.add_argument(
            "--samples", type=int, help="people sampled per measurement (default 200, small 40)"
        )
        parser.add_argument(
            "--batch-users",
            type=int,
            help="people in the weekly digest batch (default 1,000, small 100)",
        )
        parser.add_argument(
            "--skip",
            action="append",
            choices=measure.SKIPPABLE,
            default=[],
            help="leave a measurement out (repeatable): e.g. the search at a size where it is "
            "known to be slow, for the scale curve of the other pages",
        )
        parser.add_argument(
            "--batch-workers",
            type=int,
            default=measure.PROCFILE_WORKER_CONCURRENCY,
            help="worker processes for the parallel batch (default "
            f"{measure.PROCFILE_WORKER_CONCURRENCY}, the Procfile's worker --concurrency)",
        )
        parser.add_argument("--json", dest="json_path", help="also write the results here")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="print EXPLAIN (ANALYZE, BUFFERS) of the feed, profile, comments and digest",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="rebuild the dataset even if it matches"
        )
        parser.add_argument(
            "--load-only", action="store_true", help="build or reuse the dataset, measure nothing"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="fail on growing query counts or sequential scans (always on with --small)",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL.")
        base = dict(SMALL) if options["small"] else {}
        for key in ("users", "posts", "comments", "connections"):
            if options[key] is not None:
                base[key] = options[key]
        size = DatasetSize(**base, seed=options["seed"])
        out = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
        try:
            status = dataset_status()
        except NotABenchDatabase as error:
            raise CommandError(str(error)) from None
        if options["rebuild"] or not dataset_matches(status, size):
            self.stdout.write(
                f"Building the dataset: {size.users:,} people, {size.posts:,} posts, "
                f"{size.comments:,} comments, seed {size.seed}"
            )
            status = dataset_build(size, out=out)
            self.stdout.write(f"Built in {status['built_in_seconds']} s: {status['rows']}")
        else:
            self.stdout.write(
                f"Reusing the dataset built on {status['anchor'][:10]} "
                f"({status['built_in_seconds']} s): {status['rows']}"
            )
        if options["load_only"]:
            return
        small = options["small"]
        report = measure.bench_run(
            status=status,
            samples=options["samples"] or (40 if small else 200),
            batch_users=options["batch_users"] or (100 if small else 1000),
            batch_workers=max(1, options["batch_workers"]),
            explain=options["explain"],
            check=small or options["check"],
            out=out,
            skip=set(options["skip"]),
        )
        if options["json_path"]:
            Path(options["json_path"]).parent.mkdir(parents=True, exist_ok=True)
            with open(options["json_path"], "w") as handle:
                json.dump(report, handle, indent=2, default=str)
            self.stdout.write(f"Wrote {options['json_path']}")
        if report.get("failures"):
            raise CommandError("Benchmark checks failed:\n  " + "\n  ".join(report["failures"]))
