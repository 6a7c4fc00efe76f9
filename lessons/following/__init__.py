"""Following builders: the sources file, the review queue, and fetched posts taken into the queue.

Content side only (no database, no HTTP, no chats): `config` reads `config/sources.toml`,
`queue` keeps fetched posts in a folder the catalog never reads until a person approves them,
`seen` tells a post met before from a new one, `intake` runs an importer's posts through both,
and `summary` is what a reviewer sees of a queued post. Fetching on a schedule, with the fetch
state in the database, is `bot/sources/`.
"""
