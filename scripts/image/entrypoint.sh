#!/bin/sh
# The container's entry point. For the default command, `buildspeak run`: wait until the database
# accepts connections, bring its schema up to date, then become the bot (exec: it gets the
# container's signals and stops cleanly on `docker stop`).
#
# Any other command runs as given, with nothing waited for or migrated first: a one-off
# `buildspeak db status` is meant to show a database that is behind, and `bash` needs no database.
# (`buildspeak run` migrates on its own as well; doing it here first puts the wait and the upgrade
# in the log as their own steps, and a database that is not there fails with a clear message.)

set -eu

if [ "${1:-}" = buildspeak ] && [ "${2:-}" = run ]; then
    python "$(dirname "$0")/wait-for-database.py"
    buildspeak db upgrade
fi
exec "$@"
