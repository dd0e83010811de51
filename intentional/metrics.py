"""The product's own Prometheus counters and histograms (SPEC §6), served at /metrics."""

from prometheus_client import Counter, Histogram

CONNECTION_REQUESTS = Counter("intentional_connection_requests_total", "Connection requests made.")
CONNECTION_ACCEPTS = Counter("intentional_connection_accepts_total", "Connections accepted.")
POSTS_CREATED = Counter("intentional_posts_created_total", "Posts created.")
POSTS_DELETED = Counter("intentional_posts_deleted_total", "Posts deleted.")
FEED_SECONDS = Histogram(
    "intentional_feed_seconds",
    "Time to build one feed page (selector and serialization).",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2),
)
STORAGE_SECONDS = Histogram(
    "intentional_storage_seconds",
    "Photo storage operations.",
    ["operation"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
DIGEST_REQUESTS = Counter("intentional_digest_requests_total", "Digest pages and API reads.")
DIGEST_SECONDS = Histogram(
    "intentional_digest_build_seconds",
    "Time to build one digest.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
)
DIGEST_EMAILS = Counter("intentional_digest_emails_total", "Digest emails by outcome.", ["outcome"])
NOTIFICATIONS_CREATED = Counter(
    "intentional_notifications_created_total", "Notification events recorded, per kind.", ["kind"]
)
NOTIFICATIONS_EMAILED = Counter(
    "intentional_notifications_emailed_total",
    "Notification events sent in an instant email, per kind.",
    ["kind"],
)
REPLICA_FALLBACKS = Counter(
    "intentional_replica_fallbacks_total",
    "Batch reads that went to the primary because the replica failed.",
)
