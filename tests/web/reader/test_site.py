"""The reader's app as a whole: an address with no page gets the site's 404 page, while the
routes that are not pages (health, files) answer as before."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.core.turn import Services
from bot.web.reader.site import code_spans
from tests.web.reader.reader_support import session_visitor

pytestmark = pytest.mark.database_incidental


async def test_an_address_with_no_page_gets_the_sites_404_page(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/no-such-page")
    body = await response.text()
    assert response.status == 404
    assert "没有找到这一页" in body
    assert 'href="/archive"' in body  # the navigation to go on from


async def test_a_missing_static_file_is_a_plain_404_and_a_post_to_nowhere_is_not_a_page(
    client: TestClient[web.Request, web.Application],
) -> None:
    missing = await client.get("/static/no-such-file.css")
    assert missing.status == 404
    assert "没有找到这一页" not in await missing.text()
    posted = await client.post("/no-such-page")
    assert posted.status in (404, 405)
    assert "没有找到这一页" not in await posted.text()


async def test_health_is_still_served_beside_the_reader(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/healthz")
    assert response.status == 200


async def test_pages_vary_by_who_asks_and_a_signed_in_readers_page_is_never_kept(
    client: TestClient[web.Request, web.Application], services: Services
) -> None:
    anonymous = await client.get("/")
    assert anonymous.headers["Vary"] == "Authorization, Cookie"
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    visitor = session_visitor(services.sessions, telegram_id=7001, now=services.clock.now())
    signed_in = await client.get("/", headers=visitor.headers)
    assert signed_in.status == 200
    assert signed_in.headers["Cache-Control"] == "private, no-store"
    assert signed_in.headers["Vary"] == "Authorization, Cookie"


def test_backticked_runs_of_a_translation_show_as_code_and_everything_is_escaped() -> None:
    assert str(code_spans("尝试用 `-w 0` 禁用")) == "尝试用 <code>-w 0</code> 禁用"
    assert str(code_spans("`<b>` 和 <i>")) == "<code>&lt;b&gt;</code> 和 &lt;i&gt;"
    assert str(code_spans("一个 ` 落单的反引号")) == "一个 ` 落单的反引号", "unpaired: left alone"
