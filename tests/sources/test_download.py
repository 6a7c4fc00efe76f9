"""One feed over HTTP: conditional headers, the text decoded as the server or the XML says."""

from __future__ import annotations

import httpx
import pytest

from bot.sources.download import FetchError, Validators, _decode, download
from tests.fakes.feed_server import Feed, FeedServer, Status


def test_validators_become_conditional_headers() -> None:
    assert Validators().headers() == {}
    assert Validators('"a"', "Mon, 05 Jan 2026 10:00:00 GMT").headers() == {
        "If-None-Match": '"a"',
        "If-Modified-Since": "Mon, 05 Jan 2026 10:00:00 GMT",
    }


def test_the_text_is_decoded_as_the_server_then_the_xml_declaration_says() -> None:
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><rss>café</rss>'.encode("latin-1")
    assert _decode(latin, None).endswith("<rss>café</rss>")
    assert _decode("<rss>café</rss>".encode("latin-1"), "iso-8859-1") == "<rss>café</rss>"
    assert _decode("\ufeff<rss>咖啡</rss>".encode(), None) == "<rss>咖啡</rss>"
    assert _decode("<rss>咖啡</rss>".encode(), "no-such-charset") == "<rss>咖啡</rss>"
    assert _decode(b"<rss>\xff</rss>", None) == "<rss>\ufffd</rss>", "bad bytes do not stop the feed"


async def test_a_304_keeps_the_validators_sent_and_errors_are_fetch_errors() -> None:
    with FeedServer({"/f.xml": Feed("<rss/>", etag='"e"'), "/x.xml": Status(403)}) as server:
        async with httpx.AsyncClient() as client:
            fresh = await download(
                client, server.url("/f.xml"), validators=Validators(), timeout=2, max_bytes=100
            )
            assert (fresh.text, fresh.validators.etag, fresh.unchanged) == ("<rss/>", '"e"', False)
            same = await download(
                client, server.url("/f.xml"), validators=fresh.validators, timeout=2, max_bytes=100
            )
            assert same.unchanged and same.validators == fresh.validators
            with pytest.raises(FetchError, match="HTTP 403 Forbidden"):
                await download(
                    client, server.url("/x.xml"), validators=Validators(), timeout=2, max_bytes=100
                )
            server_url = server.url("/f.xml")
    with pytest.raises(FetchError, match="连接失败 cannot fetch"):
        async with httpx.AsyncClient() as client:
            await download(client, server_url, validators=Validators(), timeout=2, max_bytes=100)


async def test_feeds_are_asked_for_uncompressed_so_the_cap_counts_what_arrives() -> None:
    """A gzip body is inflated a chunk at a time before it can be counted: a few kilobytes on the
    wire could become many megabytes in memory. Asked uncompressed, the cap holds."""
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, text="<rss/>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        await download(client, "http://feeds.test/f.xml", validators=Validators(), timeout=2, max_bytes=100)
    assert asked[0].headers["Accept-Encoding"] == "identity"
