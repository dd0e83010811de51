#!/usr/bin/env bash
# The Debian packages `make test` needs beyond Python: Chromium for the browser tests
# (intentional/tests/browser.py runs /usr/bin/chromium) and python3-venv for the .venv.
# Installs the missing ones with apt-get (we run as root: no sudo); does nothing, quickly, when
# both are there. Plain bash, so it runs before the .venv exists. Called by `make test` and by
# .ci/run.
#
#   scripts/ensure_system_packages.sh            install what is missing
#   scripts/ensure_system_packages.sh --dry-run  print what would be installed (one per line)
set -euo pipefail

# Overridable for the test of this script (intentional/tests/test_system_packages.py).
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
PYTHON3="${PYTHON3:-python3}"

dry_run=""
case "${1:-}" in
  "") ;;
  --dry-run) dry_run=1 ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
"$PYTHON3" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if [ -n "$dry_run" ]; then
  [ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}"
  exit 0
fi
[ ${#missing[@]} -gt 0 ] || exit 0

printf '\n==> Installing %s\n' "${missing[*]}"
if ! { apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
  echo "Could not install ${missing[*]}: run this as root, or install them yourself" \
    "(apt-get install ${missing[*]})." >&2
  exit 1
fi
