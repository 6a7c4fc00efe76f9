"""The image's HEALTHCHECK: GET /healthz on the bot's own HTTP server and exit 0 on 200, 1 on
anything else (a 503 names what fails; no answer means the server is not up), as Docker wants.

    python /app/scripts/image/healthcheck.py

The port is the one the bot listens on, read from the same settings ([web] port, in the image
BUILDSPEAK_WEB__PORT=8080). Urllib, because the slim image has no curl. With `[web] enabled =
false` there is no server to ask, so it reports healthy rather than fail forever.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from bot.settings import SettingsError, load_settings

TIMEOUT = 4.0  # seconds; under the HEALTHCHECK's --timeout, so a hung server reads as unhealthy here
ALL_INTERFACES = ("", "0.0.0.0", "::")
# No proxy: an http_proxy set for the bot's outbound calls must not catch a request to localhost.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def healthz_url() -> str | None:
    web = load_settings().web
    if not web.enabled:
        return None
    host = "127.0.0.1" if web.host in ALL_INTERFACES else web.host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{web.port}/healthz"


def main() -> int:
    try:
        url = healthz_url()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 1
    if url is None:
        print("healthcheck: [web] enabled = false, no server to ask")
        return 0
    try:
        with OPENER.open(url, timeout=TIMEOUT) as response:
            body = response.read(500).decode(errors="replace").strip()
            print(f"healthcheck: {url}: {response.status} {body}")
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        body = error.read(500).decode(errors="replace").strip()
        print(f"healthcheck: {url}: {error.code} {body}")
    except (urllib.error.URLError, OSError) as error:
        print(f"healthcheck: {url}: no answer ({getattr(error, 'reason', error)})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
