#!/usr/bin/env bash
# Check the container image without a container engine: hadolint and shellcheck on the files, then
# the image's own install and entry-point steps replayed on this Debian machine against a real
# PostgreSQL (tests/deploy). The same tests run in `make test`, whose PostgreSQL pass replays the
# image once; this runs them alone, in about two minutes.
#
#     bash scripts/check-image.sh [PYTEST ARGS...]

set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-postgres.sh .venv/bin/pytest -q tests/deploy "$@"
