"""Post ids derived from a post's URL, the same way whichever importer met the post.

A post can reach the library twice: as a Jekyll file and through the blog's
feed, or as an X archive entry and through an X feed. Deriving the id from the
canonical URL alone makes the second import land on the first post instead of
creating a twin.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from lessons.text import slugify

_X_STATUS = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:i/web|(?P<handle>[A-Za-z0-9_]{1,30}))"
    r"/status(?:es)?/(?P<status>\d+)",
    re.IGNORECASE,
)


class XStatus(NamedTuple):
    """What an X post link tells us: the status id, and the author's handle when the link names it."""

    status_id: str
    handle: str | None


def x_status(url: str) -> XStatus | None:
    """The status behind an x.com / twitter.com post link, or None for any other URL."""
    match = _X_STATUS.match(url.strip())
    if not match:
        return None
    return XStatus(match.group("status"), match.group("handle"))


def post_id_for_url(url: str) -> str:
    """`x-<status id>` for an X post, else `blog-<slug of host and path>`.

    The scheme, a leading `www.`, the fragment and the query are left out so
    that http/https and tracking parameters do not split one post into two;
    the query is kept only when the path alone names no page (`/?p=123`).
    Raises ValueError for a URL without a host: it cannot identify a post.
    """
    status = x_status(url)
    if status:
        return f"x-{status.status_id}"
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    if not host:
        raise ValueError(f"not an absolute URL: {url!r}")
    path = quote(unquote(parts.path), safe="/")
    if not path.strip("/") and parts.query:
        path = f"{path}?{parts.query}"
    return f"blog-{slugify(host + path)}"


def is_absolute_http_url(url: str) -> bool:
    """An http(s) URL with a host and no spaces: the only kind a post's source may be."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", url)
