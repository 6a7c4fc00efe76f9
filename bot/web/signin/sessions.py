"""Web sessions and sign-in links: the secrets, the cookie, and the rows behind them.

A secret is 256 random bits; only its SHA-256 is stored (bot/storage/web_signin.py, which also
issues the /web links' tokens), so the database alone signs no one in. The cookie is HttpOnly (no
script reads it), SameSite=Lax (another site's form posts without it), Path=/ and Secure whenever
the reader is reached over HTTPS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiohttp import web
from sqlmodel import Session

from bot.settings import WebSettings
from bot.storage.tables import WebSession
from bot.storage.web_signin import (
    add_web_session,
    end_web_session,
    live_web_session,
    new_secret,
    secret_hash,
    use_sign_in_token,
)

COOKIE = "buildspeak_session"


@dataclass(frozen=True)
class Opened:
    session_id: str  # for the cookie only; never stored
    row: WebSession


def open_session(session: Session, *, token: str, now: dt.datetime, days: int) -> Opened | None:
    """Spend a sign-in token and open a session for its learner; None when the token is unknown,
    used already or expired."""
    learner_id = use_sign_in_token(session, token_hash=secret_hash(token), now=now)
    if learner_id is None:
        return None
    session_id = new_secret()
    row = add_web_session(
        session,
        id_hash=secret_hash(session_id),
        learner_id=learner_id,
        csrf=new_secret(),
        now=now,
        expires_at=now + dt.timedelta(days=days),
    )
    return Opened(session_id=session_id, row=row)


def session_of(session: Session, *, session_id: str, now: dt.datetime) -> WebSession | None:
    return live_web_session(session, id_hash=secret_hash(session_id), now=now)


def close_session(session: Session, *, session_id: str) -> None:
    end_web_session(session, id_hash=secret_hash(session_id))


def is_https(request: web.Request, settings: WebSettings) -> bool:
    """Whether the browser reaches us over HTTPS: the configured public address says so, or the
    proxy in front of us does (`X-Forwarded-Proto`), or this very connection is TLS."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return settings.public_url.startswith("https://") or forwarded == "https" or request.secure


def set_cookie(
    response: web.StreamResponse, request: web.Request, settings: WebSettings, session_id: str
) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        secure=is_https(request, settings),
        samesite="Lax",
    )


def clear_cookie(response: web.StreamResponse, request: web.Request, settings: WebSettings) -> None:
    response.del_cookie(COOKIE, path="/", secure=is_https(request, settings), httponly=True, samesite="Lax")
