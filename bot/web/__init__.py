"""The bot's own HTTP app: Telegram's webhook, `/healthz`, `/metrics` (and, later, the reader).

One aiohttp application per process, built from what it serves (`app.build_app`); nothing here
knows how a process is assembled: the runtime (`bot/runtime/web.py`) passes in the checks, the
metrics registry and the webhook's intake.
"""
