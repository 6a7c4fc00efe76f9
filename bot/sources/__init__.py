"""Following builders, the chat side: fetching the followed sources on a schedule.

`download` speaks HTTP to one feed (conditional, with a deadline and a size cap), `reading` turns
a source into texts, `fetching` runs many sources into the review queue with their fetch state
in the database, `daily` is the push role's job, `setup` builds them from settings. What the
sources are and where fetched posts wait is the content side's (`lessons/following/`).
"""
