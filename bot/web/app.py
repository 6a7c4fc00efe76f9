"""The application factory: one aiohttp app with the routes this process serves, nothing global.

`/healthz` always; `/metrics` when the process keeps metrics; the Telegram webhook when updates
come by webhook; the reader (its pages, the Mini App) when the process serves it.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry

from bot.web.health import Health
from bot.web.metrics import metrics_route
from bot.web.reader.deps import ReaderDeps
from bot.web.reader.site import install_reader
from bot.web.telegram_webhook import WebhookEndpoint

MAX_BODY = 1024 * 1024  # bytes; a Telegram update is a few kilobytes


def build_app(
    health: Health,
    *,
    registry: CollectorRegistry | None = None,
    webhook: WebhookEndpoint | None = None,
    reader: ReaderDeps | None = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    if reader is not None:
        install_reader(app, reader)
    routes = [web.get("/healthz", health.handle)]
    if registry is not None:
        routes.append(metrics_route(registry))
    if webhook is not None:
        routes.append(webhook.route())
    app.add_routes(routes)
    return app
