#!/usr/bin/env bash
# Write requirements.lock (`make lock`): every runtime dependency of BuildSpeak, transitively,
# pinned with its files' hashes, plus setuptools to build the project with. The image installs
# from it (scripts/image/install-python.sh), so a build next month gets the same versions.
#
#   make lock                                   after changing dependencies in pyproject.toml:
#                                               the pins that still fit are kept
#   make lock LOCK_ARGS=--upgrade               take the newest versions allowed, on purpose
#   make lock LOCK_ARGS='--upgrade-package aiohttp'
#
# Resolved with Python 3.11, the image's, so environment markers come out as they will there.
# pip-tools runs from a throw-away venv and leaves the project's .venv alone.

set -euo pipefail
cd "$(dirname "$0")/../.."

python="${PYTHON:-python3}"
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$version" != 3.11 ]]; then
    echo "lock: resolves for the image's Python 3.11, and $python is $version: set PYTHON=python3.11" >&2
    exit 1
fi

tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
"$python" -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install --quiet "pip-tools==7.6.2"

# --allow-unsafe --build-deps-for wheel: pin setuptools too (the image builds without isolation).
# --no-emit-*: a machine's own index or wheel folder must not end up in the file.
CUSTOM_COMPILE_COMMAND="make lock" "$tools/venv/bin/pip-compile" --quiet \
    --generate-hashes --allow-unsafe --build-deps-for wheel --strip-extras \
    --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
    --output-file requirements.lock "$@" pyproject.toml
echo "lock: wrote requirements.lock ($(grep -c '==' requirements.lock) pins)"
