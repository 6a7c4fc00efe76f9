"""A local stand-in for the builders' blogs: RSS 2.0 and Atom feeds on 127.0.0.1, misbehaving on cue.

Each path is a route of one kind:

- `Feed`: a feed with an ETag and a Last-Modified, answering 304 (no body) to a request whose
  `If-None-Match` or `If-Modified-Since` matches, as nginx, GitHub Pages and Substack do;
- `Slow`: answers nothing for `seconds` (a server that hangs past the fetch's timeout);
- `Huge`: streams `size` bytes of a feed that never ends, optionally declaring its length
  first; `sent` records how much it got to write before the client hung up;
- `Status`: an HTTP error.

The feeds are shaped like the real ones (`rss_feed`: WordPress/Jekyll style RSS 2.0 with
`content:encoded` and `dc:creator`; `atom_feed`: Hugo/Jekyll style Atom with `content
type="html"`), built from `FeedItem`s whose prose `builder_prose` writes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

# ------------------------------------------------------------------------------------- feeds

_OPENINGS = (
    "Most of what I learned about {topic} came from shipping small tools to real users.",
    "I spent the weekend rebuilding our {topic} pipeline from scratch, and it was worth it.",
    "People keep asking me how we think about {topic}, so here is the honest answer.",
    "The hardest part of {topic} is not the model but the boring plumbing around it.",
)
_MIDDLES = (
    "We started with a quick prototype, measured where the time went, and threw half of it away.",
    "Every shortcut we took early on came back later as a bug that only showed up in production.",
    "Reading the logs line by line taught us more than any dashboard ever did.",
    "The tests were slow, so nobody ran them, so the tests stopped telling us anything useful.",
)
_CLOSINGS = (
    "If you are starting today, write the evaluation first and the clever code second.",
    "My advice is simple: keep the feedback loop short and look at the actual data.",
    "Next time I would spend less time on architecture and more time talking to users.",
    "None of this is new, but it is easy to forget when a deadline is close.",
)
_TOPICS = ("retrieval", "fine-tuning", "evaluation", "tokenizers", "agents", "inference", "caching", "search")


def builder_prose(number: int) -> tuple[str, ...]:
    """Three paragraphs of plain builder prose, different for every `number` (its words included)."""
    topic = _TOPICS[number % len(_TOPICS)]
    return (
        f"{_OPENINGS[number % 4].format(topic=topic)} This is note number {number} in the series.",
        f"{_MIDDLES[(number // 4) % 4]} It took us {number % 17 + 2} days to see the pattern clearly.",
        f"{_CLOSINGS[(number // 16) % 4]} Thanks for reading post {number}.",
    )


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    published: dt.datetime
    paragraphs: tuple[str, ...]
    author: str | None = None

    @property
    def html(self) -> str:
        return "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in self.paragraphs)


def items_for(site: str, numbers: Sequence[int], *, start: dt.datetime | None = None) -> list[FeedItem]:
    """Items of a blog at `site` (https://…), one per number, a day apart, newest first."""
    start = start or dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    return [
        FeedItem(
            title=f"Note {number}: lessons from shipping",
            link=f"{site}/posts/note-{number}/",
            published=start - dt.timedelta(days=index),
            paragraphs=builder_prose(number),
        )
        for index, number in enumerate(numbers)
    ]


_BUILT = "Mon, 05 Jan 2026 10:00:00 +0000"


def rss_feed(title: str, site: str, items: Sequence[FeedItem], *, author: str) -> str:
    """RSS 2.0 as WordPress and Jekyll's jekyll-feed-rss write it: full text in content:encoded."""
    entries = "".join(
        f"""
    <item>
      <title>{html.escape(item.title)}</title>
      <link>{html.escape(item.link)}</link>
      <guid isPermaLink="true">{html.escape(item.link)}</guid>
      <pubDate>{email.utils.format_datetime(item.published)}</pubDate>
      <dc:creator><![CDATA[{item.author or author}]]></dc:creator>
      <description>{html.escape(item.paragraphs[0])}</description>
      <content:encoded><![CDATA[{item.html}]]></content:encoded>
    </item>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{html.escape(title)}</title>
    <link>{site}/</link>
    <atom:link href="{site}/feed.xml" rel="self" type="application/rss+xml"/>
    <description>Notes from building things</description>
    <language>en-us</language>
    <lastBuildDate>{_BUILT}</lastBuildDate>{entries}
  </channel>
</rss>
"""


def atom_feed(title: str, site: str, items: Sequence[FeedItem], *, author: str) -> str:
    """Atom as Hugo and jekyll-feed write it: full text as escaped HTML in <content type="html">."""
    entries = "".join(
        f"""
  <entry>
    <title>{html.escape(item.title)}</title>
    <link href="{html.escape(item.link)}" rel="alternate" type="text/html"/>
    <id>{html.escape(item.link)}</id>
    <published>{item.published.isoformat()}</published>
    <updated>{item.published.isoformat()}</updated>
    <author><name>{html.escape(item.author or author)}</name></author>
    <content type="html">{html.escape(item.html)}</content>
  </entry>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{html.escape(title)}</title>
  <link href="{site}/" rel="alternate"/>
  <link href="{site}/atom.xml" rel="self"/>
  <updated>2026-01-05T10:00:00+00:00</updated>
  <id>{site}/</id>
  <author><name>{html.escape(author)}</name></author>{entries}
</feed>
"""


MALFORMED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>Unclosed <b>tag</title><link>https://broken.example/a</link>
<description>This feed was cut off halfway through
"""

# ------------------------------------------------------------------------------------ routes


@dataclass
class Feed:
    body: str
    etag: str | None = '"v1"'
    last_modified: str | None = "Mon, 05 Jan 2026 10:00:00 GMT"
    content_type: str = "application/rss+xml; charset=utf-8"


@dataclass
class Slow:
    seconds: float


@dataclass
class Huge:
    size: int
    declare_length: bool = False
    sent: int = 0


@dataclass
class Status:
    code: int


Route = Feed | Slow | Huge | Status


@dataclass(frozen=True)
class Seen:
    """One request: its path, its conditional headers, and the status it got."""

    path: str
    if_none_match: str | None
    if_modified_since: str | None
    status: int


@dataclass
class _State:
    routes: dict[str, Route]
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)


class FeedServer:
    """An HTTP server on 127.0.0.1 (a free port) in a background thread; use as a context manager.

    `routes` may be changed between fetches (a feed that gets a new post); `seen` lists requests.
    """

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.state = _State(dict(routes or {}))
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def routes(self) -> dict[str, Route]:
        return self.state.routes

    @property
    def seen(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.seen)

    def url(self, path: str) -> str:
        assert self._httpd is not None, "the server is not running"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> Self:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = self.state
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-feeds", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.closing.set()
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        route = state.routes.get(self.path)
        status = self._answer(route, state)
        with state.lock:
            state.seen.append(
                Seen(
                    self.path,
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"),
                    status,
                )
            )

    def _answer(self, route: Route | None, state: _State) -> int:
        if route is None:
            return self._plain(404, "no such feed")
        if isinstance(route, Status):
            return self._plain(route.code, "error")
        if isinstance(route, Slow):
            state.closing.wait(route.seconds)
            return self._plain(200, "too late")
        if isinstance(route, Huge):
            return self._huge(route)
        return self._feed(route)

    def _feed(self, feed: Feed) -> int:
        if self._not_modified(feed):
            self.send_response(304)
            self._validators(feed)
            self.end_headers()
            return 304
        body = feed.body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", feed.content_type)
        self.send_header("Content-Length", str(len(body)))
        self._validators(feed)
        self.end_headers()
        self.wfile.write(body)
        return 200

    def _not_modified(self, feed: Feed) -> bool:
        tag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if tag is not None:
            return feed.etag is not None and tag == feed.etag
        if since is None or feed.last_modified is None:
            return False
        try:
            return email.utils.parsedate_to_datetime(feed.last_modified) <= email.utils.parsedate_to_datetime(
                since
            )
        except (TypeError, ValueError):
            return False

    def _validators(self, feed: Feed) -> None:
        if feed.etag:
            self.send_header("ETag", feed.etag)
        if feed.last_modified:
            self.send_header("Last-Modified", feed.last_modified)

    def _huge(self, huge: Huge) -> int:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        if huge.declare_length:
            self.send_header("Content-Length", str(huge.size))
        self.end_headers()
        chunk = b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<!-- padding -->" * 4096
        try:
            while huge.sent < huge.size:
                self.wfile.write(chunk)
                huge.sent += len(chunk)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what it was meant to do
        return 200

    def _plain(self, code: int, text: str) -> int:
        body = text.encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting
        return code

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `seen` instead."""
