#!/usr/bin/env bash
# Load test of the API feed (docs/performance.md): gunicorn as in the Procfile, on loopback,
# rate limits off, driven by wrk with 200 people's tokens at 16 and 64 connections.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/intentional_bench \
#   REDIS_URL=redis://127.0.0.1:6379/10 scripts/loadtest.sh
#
# Needs the benchmark dataset (manage.py bench --load-only) and wrk (Debian package "wrk").
# Settings: DURATION (seconds per run, default 60), CONNECTIONS ("16 64"), PEOPLE (200),
# PORT (8765), WEB_CONCURRENCY/WEB_THREADS as in the Procfile (3 workers, 16 threads).
# Prints, per run: requests/s, p50/p99 latency, errors, and the workers' peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to the benchmark database}"
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-"16 64"}
PEOPLE=${PEOPLE:-200}
PORT=${PORT:-8765}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-test-artifacts/loadtest}
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

export RATELIMIT_ENABLE=false DEBUG=false SECURE_SSL_REDIRECT=false
export SECRET_KEY=${SECRET_KEY:-loadtest-only-not-a-secret-$(date +%s)}
export ALLOWED_HOSTS=127.0.0.1,localhost
export TOKENS_FILE="$OUT/tokens.txt"

# Access tokens of PEOPLE people (a fixed sample), valid for two hours.
"$PY" manage.py shell -v0 -c "
import random
from datetime import timedelta
from rest_framework_simplejwt.tokens import AccessToken
from social.models import User
ids = list(User.objects.filter(is_active=True).order_by('pk').values_list('pk', flat=True))
people = User.objects.filter(pk__in=random.Random(42).sample(ids, min($PEOPLE, len(ids))))
with open('$TOKENS_FILE', 'w') as out:
    for person in people:
        token = AccessToken.for_user(person)
        token.set_exp(lifetime=timedelta(hours=2))
        out.write(str(token) + '\n')
"
echo "tokens: $(wc -l < "$TOKENS_FILE") people"

# gunicorn exactly as the Procfile's web line (its server command), but bound to loopback.
WEB=$(sed -n 's/^web: .*&& *\(gunicorn .*\)$/\1/p' Procfile | sed -E "s/--bind [^ ]+/--bind 127.0.0.1:$PORT/")
[ -n "$WEB" ] || { echo "no gunicorn command on the Procfile's web line" >&2; exit 1; }
(PATH="$PWD/.venv/bin:$PATH"; eval "exec $WEB") >"$OUT/gunicorn.log" 2>&1 &
MASTER=$!
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  kill "$MASTER" 2>/dev/null || true
  wait "$MASTER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/health/" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/health/" >/dev/null

# Warm-up: every person's feed once.
DURATION_WARM=$(( DURATION < 10 ? DURATION : 10 ))
wrk -t2 -c8 -d"${DURATION_WARM}s" -s scripts/loadtest.lua "http://127.0.0.1:$PORT/api/v1/feed/" >/dev/null

for connections in $CONNECTIONS; do
  # The workers' resident memory, sampled every half second (KiB); the peak is reported.
  rss="$OUT/rss-$connections.txt"
  : >"$rss"
  (
    while kill -0 "$MASTER" 2>/dev/null; do
      ps -o rss= --ppid "$MASTER" >>"$rss" 2>/dev/null || true
      sleep 0.5
    done
  ) &
  SAMPLER=$!
  report="$OUT/wrk-$connections.txt"
  threads=$(( connections < 2 ? 1 : 2 ))
  timeout $(( DURATION + 30 )) wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 10s \
    --latency -s scripts/loadtest.lua "http://127.0.0.1:$PORT/api/v1/feed/" >"$report"
  kill "$SAMPLER" 2>/dev/null || true
  wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  rps=$(awk '/^Requests\/sec/ {print $2}' "$report")
  p50=$(awk '$1 == "50%" {print $2}' "$report")
  p99=$(awk '$1 == "99%" {print $2}' "$report")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$report")
  socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$report")
  peak=$(sort -n "$rss" | tail -n 1)
  printf '%s connections, %ss: %s requests/s, p50 %s, p99 %s, errors %s (non-2xx %s, socket %s), worker peak RSS %s MiB\n' \
    "$connections" "$DURATION" "$rps" "$p50" "$p99" "$(( ${non2xx:-0} + ${socket:-0} ))" \
    "${non2xx:-0}" "${socket:-0}" "$(( ${peak:-0} / 1024 ))"
done
echo "wrk reports and samples: $OUT/"
