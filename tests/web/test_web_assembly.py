"""Which processes serve the web app and how it sits among the units: after the roles it serves,
stopped first; the webhook set only once the app listens; the console's optional; polling unless a
webhook URL is given. And an assembled runtime in webhook mode answering through the fake."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import Session

from bot.adapters.console import ConsoleChat
from bot.adapters.telegram import TelegramConfig
from bot.core.conversation import Conversation
from bot.runtime.assembly import RoleError, Runtime, assemble
from bot.runtime.telegram import TelegramPolling
from bot.runtime.telegram_webhook import TelegramWebhook, WebhookConfig, WebhookRegistration
from bot.runtime.units import halt, started
from bot.runtime.web import ListenError, WebServer, discord_check, telegram_check
from bot.settings import PushSettings, ReplySettings, RuntimeSettings, WebSettings
from bot.web.health import Status
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests.chat_support import bundled_catalog, services
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import free_port

FAST = ReplySettings(give_up_after=1.0, retry_base_delay=0.01, retry_max_delay=0.05, stop_grace=1.0)
LOCAL = "http://127.0.0.1:9/unused"
ANY_PORT = WebSettings(port=0)


@pytest.fixture
def conversation(tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session]) -> Conversation:
    catalog: Catalog = bundled_catalog(tmp_path)
    return Conversation(services(catalog, builder, sessions, tmp_path / "audio"))


def build(
    conversation: Conversation,
    roles: tuple[str, ...],
    *,
    web: WebSettings | None = ANY_PORT,
    webhook: WebhookConfig | None = None,
    api: str = LOCAL,
    console: ConsoleChat | None = None,
) -> Runtime:
    return assemble(
        conversation,
        roles=roles,
        sessions=conversation.services.sessions,
        clock=conversation.services.clock,
        push=PushSettings(per_second=500, per_chat_per_second=50),
        runtime=RuntimeSettings(),
        replies=FAST,
        telegram=TelegramConfig(token="123456:TEST-TOKEN", api_base_url=api, poll_timeout=1),
        contents=[],
        scheduled=False,
        web=web,
        webhook=webhook,
        console=console,
    )


OURS = {"Presence", "TelegramPlatform", "TelegramPolling", "TelegramWebhook", "PushRole", "WebServer"}


def kinds(runtime: Runtime) -> list[str]:
    """The units in start order (other kinds of unit left out), the last one always kept."""
    names = [type(unit).__name__ for unit in runtime.units]
    return [name for name in names[:-1] if name in OURS] + names[-1:]


def test_polling_is_the_default_and_the_web_app_comes_after_the_roles(conversation: Conversation) -> None:
    runtime = build(conversation, ("telegram", "push"))
    assert kinds(runtime) == ["Presence", "TelegramPlatform", "TelegramPolling", "PushRole", "WebServer"]
    assert isinstance(runtime.telegram_role, TelegramPolling) and isinstance(runtime.web, WebServer)


def test_a_webhook_url_takes_updates_by_webhook_set_after_the_app_listens(conversation: Conversation) -> None:
    runtime = build(
        conversation, ("telegram",), webhook=WebhookConfig("https://bot.example.com/telegram", "s")
    )
    assert kinds(runtime) == [
        "Presence",
        "TelegramPlatform",
        "TelegramWebhook",
        "WebServer",
        "WebhookRegistration",
    ]
    assert isinstance(runtime.telegram_role, TelegramWebhook)
    assert isinstance(runtime.units[-1], WebhookRegistration)


def test_the_console_serves_the_reader_where_a_taken_port_is_no_failure(conversation: Conversation) -> None:
    console = ConsoleChat(conversation, None, lambda: None)  # type: ignore[arg-type]
    served = build(conversation, ("console",), console=console).web
    assert served is not None and served.optional
    assert "/words" in {resource.canonical for resource in served.app.router.resources()}
    assert build(conversation, ("console",), console=console, web=WebSettings(enabled=False)).web is None


def test_a_disabled_web_app_serves_no_http(conversation: Conversation) -> None:
    assert build(conversation, ("telegram",), web=WebSettings(enabled=False)).web is None
    assert build(conversation, ("telegram",), web=None).web is None


def test_a_webhook_without_the_web_app_is_refused(conversation: Conversation) -> None:
    with pytest.raises(RoleError, match="webhook needs the web server"):
        build(conversation, ("telegram",), web=WebSettings(enabled=False), webhook=WebhookConfig(LOCAL, "s"))


def test_a_push_process_serves_health_and_the_reader_and_no_webhook(conversation: Conversation) -> None:
    runtime = build(conversation, ("push",), webhook=WebhookConfig(LOCAL, "s"))
    assert runtime.telegram_role is None and kinds(runtime)[-1] == "WebServer"
    routes = {resource.canonical for resource in runtime.web.app.router.resources()}  # type: ignore[union-attr]
    assert "/telegram" not in routes and "/metrics" not in routes, "no webhook, no /metrics without metrics"
    assert {"/healthz", "/", "/archive", "/words", "/app", "/signin"} <= routes


def test_a_process_without_the_reader_serves_health_alone(conversation: Conversation) -> None:
    runtime = build(conversation, ("push",), web=WebSettings(port=0, reader=False))
    routes = {resource.canonical for resource in runtime.web.app.router.resources()}  # type: ignore[union-attr]
    assert routes == {"/healthz"}


async def test_an_assembled_webhook_runtime_answers_through_the_fake_and_stops_listening_at_the_halt(
    conversation: Conversation,
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    async with FakeTelegramServer() as fake:
        runtime = build(
            conversation,
            ("telegram",),
            web=WebSettings(port=port),
            webhook=WebhookConfig(hook, "s3cret"),
            api=fake.url,
        )
        async with started(runtime.units):
            assert fake.webhook_url == hook
            update = fake.send_text(4242, "/today")
            await fake.wait_for("sendMessage", timeout=10)
            await fake.wait_confirmed(update["update_id"])
            halt(runtime.units)
            assert runtime.web is not None and runtime.web._closing is not None
            await runtime.web._closing
            with pytest.raises(aiohttp.ClientConnectionError):
                async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/healthz"):
                    pass
    assert [delivery.status for delivery in fake.webhook_deliveries] == [200]
    assert len(fake.messages(4242)) == 1


async def test_telegram_is_failing_until_connected_and_when_polls_stop_answering(
    conversation: Conversation,
) -> None:
    runtime = build(conversation, ("telegram",))
    assert runtime.telegram is not None and isinstance(runtime.telegram_role, TelegramPolling)
    check = telegram_check(runtime.telegram, runtime.telegram_role)
    assert await check.probe() == Status(False, "not connected")
    runtime.telegram.connected = True
    runtime.telegram_role.poller.last_answer = time.monotonic() - 5
    assert (await check.probe()).detail == "polling; the last getUpdates answered 5 s ago"
    runtime.telegram_role.poller.last_answer = time.monotonic() - 1000
    assert await check.probe() == Status(False, "no getUpdates answer for 1000 s")
    runtime.telegram_role.ended.set()
    assert await check.probe() == Status(False, "polling ended (Telegram refused the token)")
    assert await telegram_check(runtime.telegram, None).probe() == Status(True, "connected (sending only)")


async def test_discord_is_failing_when_closed_or_not_ready() -> None:
    client = SimpleNamespace(is_closed=lambda: False, is_ready=lambda: False, user=None)
    platform = SimpleNamespace(client=client)
    gateway = discord_check(platform, gateway=True)  # type: ignore[arg-type]
    sending = discord_check(platform, gateway=False)  # type: ignore[arg-type]
    assert await gateway.probe() == Status(False, "gateway not ready")
    assert await sending.probe() == Status(False, "not logged in")
    client.is_ready, client.user = (lambda: True), object()
    assert await gateway.probe() == Status(True, "gateway ready")
    assert await sending.probe() == Status(True, "logged in (sending only)")
    client.is_closed = lambda: True
    assert await gateway.probe() == Status(False, "closed")


async def test_a_port_taken_is_said_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = WebServer(web.Application(), host="127.0.0.1", port=taken.getsockname()[1])
        with pytest.raises(ListenError, match=r"web 服务无法监听 127\.0\.0\.1"):
            await server.start()


async def test_an_optional_app_whose_port_is_taken_warns_and_the_rest_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = WebServer(web.Application(), host="127.0.0.1", port=taken.getsockname()[1], optional=True)
        await server.start()
        assert server.url is None
        assert "web 服务无法监听 127.0.0.1" in caplog.text and "without the reader" in caplog.text
        await server.stop()
