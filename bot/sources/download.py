"""One feed over HTTP: a conditional GET, within a deadline, read no further than a size cap.

The daily fetch asks many servers we don't control. `If-None-Match` / `If-Modified-Since` let
an unchanged feed answer 304 with no body. The deadline covers the whole exchange (a server that
trickles a byte a second defeats a per-read timeout), and the body is streamed and dropped at
`max_bytes`: a 20 MB answer costs 5 MB of reading, never 20 MB of memory.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import httpx

USER_AGENT = "BuildSpeak/1.0 (feed reader; daily, conditional requests)"
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


class FetchError(Exception):
    """A source that could not be fetched; the message says why, for the log and `sources list`."""


@dataclass(frozen=True)
class Validators:
    """What the server said identifies its copy; sent back, it lets the server answer 304."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Download:
    """A fetched feed's text, or None when the server said it has not changed (304)."""

    text: str | None
    validators: Validators

    @property
    def unchanged(self) -> bool:
        return self.text is None


async def download(
    client: httpx.AsyncClient, url: str, *, validators: Validators, timeout: float, max_bytes: int
) -> Download:
    """GET `url`, conditionally; raises FetchError on a timeout, an HTTP error or a body too large."""
    try:
        async with asyncio.timeout(timeout):
            return await _get(client, url, validators, max_bytes)
    except TimeoutError:
        raise FetchError(f"超时 timed out after {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise FetchError(f"连接失败 cannot fetch: {error or type(error).__name__}") from None


async def _get(client: httpx.AsyncClient, url: str, validators: Validators, max_bytes: int) -> Download:
    # Uncompressed: the cap then counts what arrives. A compressed body is inflated a network chunk
    # at a time before it can be counted, and a small chunk can inflate to many megabytes.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **validators.headers()}
    async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        if response.status_code == 304:
            return Download(None, _validators(response, validators))
        if response.status_code >= 400:
            raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"太大 too large: {int(declared)} bytes declared, the cap is {max_bytes}")
        body = await _read_capped(response, max_bytes)
        return Download(_decode(body, response.charset_encoding), _validators(response, Validators()))


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"太大 too large: more than {max_bytes} bytes (stopped reading)")
        chunks.append(chunk)
    return b"".join(chunks)


def _validators(response: httpx.Response, sent: Validators) -> Validators:
    """The response's validators; a 304 that repeats none keeps the ones that matched."""
    return Validators(
        response.headers.get("etag") or sent.etag,
        response.headers.get("last-modified") or sent.last_modified,
    )


def _decode(body: bytes, charset: str | None) -> str:
    """The charset the server names, else the XML declaration's, else UTF-8 (a BOM is dropped)."""
    declared = _XML_ENCODING.match(body[:200])
    for encoding in (charset, declared.group(1).decode("ascii") if declared else None):
        if encoding:
            try:
                return body.decode(encoding, errors="replace").removeprefix("\ufeff")
            except LookupError:
                continue
    return body.decode("utf-8-sig", errors="replace")
