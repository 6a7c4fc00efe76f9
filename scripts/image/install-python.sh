#!/usr/bin/env bash
# BuildSpeak's Python side, installed into a virtual environment the way the image does it, in two
# steps so that the dependencies get a layer of their own and a code change does not reinstall them:
#
#   install-python.sh dependencies VENV LOCKFILE   every pinned dependency (Dockerfile step 2)
#   install-python.sh project VENV SOURCE          BuildSpeak itself (step 3)
#
# tests/deploy runs the same two commands into a temporary VENV.

set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: install-python.sh dependencies VENV LOCKFILE | project VENV SOURCE" >&2
    exit 2
fi
step="$1" venv="$2" source="$3"
pip=("$venv/bin/python" -m pip --no-input)

case "$step" in
    dependencies)
        # A venv of its own keeps the base image's Python as it came.
        [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
        # Every version and file hash comes from the lock (`make lock`): a build next month gets
        # the same packages, and a file that changed on the index fails the build.
        "${pip[@]}" install --require-hashes -r "$source"
        ;;
    project)
        # No resolution and no isolated build: the lock brought every dependency and setuptools,
        # so nothing unpinned is fetched. `pip check` then fails the build when pyproject.toml
        # asks for something the lock lacks (a dependency added without `make lock`).
        "${pip[@]}" install --no-deps --no-build-isolation "$source"
        "${pip[@]}" check
        ;;
    *)
        echo "install-python.sh: unknown step '$step' (dependencies or project)" >&2
        exit 2
        ;;
esac
