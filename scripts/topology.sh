#!/usr/bin/env bash
# The production topology on loopback and its failure drills (README "Scaling"): a PostgreSQL
# primary and a pg_basebackup streaming replica, Redis, two gunicorn web nodes, one Celery
# worker per queue and beat (from the Procfile), an SMTP server and moto_server as S3, each its
# own process; a journey through them and six drills, each failing if its guarantee breaks.
# Everything is started in a temporary folder on free ports and stopped at the end.
#
#   scripts/topology.sh                 # all of it (about 3 minutes)
#   scripts/topology.sh -k replica      # only some drills (pytest -k)
#   TOPOLOGY_KEEP=1 scripts/topology.sh # keep the processes' logs (path in /tmp/topology-*)
#
# Needs PostgreSQL's server programs (Debian: postgresql), redis-server and the dev
# requirements (make install-dev). Run as root, the clusters belong to the postgres account.
# To look around by hand instead: .venv/bin/python -m intentional.tests.topology
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PY:-.venv/bin/python}" -m pytest intentional/tests/test_topology.py -m topology \
  -p no:xdist -vv --durations=0 "$@"
