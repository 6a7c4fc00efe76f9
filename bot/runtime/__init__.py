"""The composition root: builds the services once and runs the process's roles under one lifespan.

A role is a named unit with `start()` and `stop()`: `telegram` (polling), `push` (the daily push
on every configured platform), `console`; under them sit units every process has (its worker
row and heartbeat, the platform connections). `buildspeak run` starts the roles its settings
enable, or those named with `--roles`, and on SIGTERM or Ctrl-C stops them in reverse order.
"""
