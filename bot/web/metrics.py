"""`GET /metrics`: the process's Prometheus registry in the text exposition format.

The registry is rendered on a worker thread: some collectors count in the database at scrape
time (active subscribers), and a scrape must not stall the replies sharing the event loop.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def metrics_route(registry: CollectorRegistry) -> web.RouteDef:
    async def metrics(request: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return web.get("/metrics", metrics)
