"""PTB's network layer over aiohttp: the `BaseRequest` PTB documents as its extension point.

Why not PTB's default `HTTPXRequest`: a broadcast keeps dozens of sends in flight, and
httpx/httpcore then spend more CPU building requests and managing the pool than the
request itself (encode/httpx#3215). With aiohttp a send costs about a third of the CPU,
which is what lets one process pace a large push at the limit without stalling its loop.
The PTB team keeps an equivalent in ptbcontrib, which is not published on PyPI.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connections`; created in `initialize`, inside the loop.

    PTB's four timeouts map onto aiohttp's: pool → `connect` (waiting for a pooled connection
    included), connect → `sock_connect`, read → `sock_read`. Uploads may take `media_timeout`
    in all; aiohttp has no separate write timeout.
    """

    def __init__(
        self,
        connections: int,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_timeout: float = 60.0,
    ) -> None:
        self._connections = connections
        self._defaults = {"read": read_timeout, "connect": connect_timeout, "pool": pool_timeout}
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploads = request_data is not None and request_data.contains_files
        timeout = aiohttp.ClientTimeout(
            total=self._media_timeout if uploads else None,
            connect=self._given(pool_timeout, "pool"),
            sock_connect=self._given(connect_timeout, "connect"),
            sock_read=self._given(read_timeout, "read"),
        )
        try:
            async with self._session.request(
                method, url, headers={"User-Agent": self.USER_AGENT}, timeout=timeout, **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut(f"aiohttp: {error!r}") from error
        except aiohttp.ClientError as error:
            # The class name says what failed even when the message is empty.
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _given(self, value: float | None, name: str) -> float | None:
        return self._defaults[name] if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters as a JSON body, or as multipart with the files when there are any.

    JSON, which the Bot API accepts, rather than PTB's urlencoded form: percent-encoding a
    lesson's Chinese text cost more CPU than the rest of the request.
    """
    if request_data is None:
        return {}
    if not request_data.contains_files:
        return {"json": request_data.parameters}
    # Raw UTF-8 file names, as browsers and httpx send them (RFC 7578): quoted, Telegram would show
    # "%E7%94%9F….csv" instead of 生词本.csv.
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime_type) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}
