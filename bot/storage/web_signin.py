"""Web sign-in's rows: the /web links' tokens and the browser sessions they open.

Secrets never reach the database: the caller hashes a token or a session id (`secret_hash`) and
these functions only see hashes, so a leaked copy of the tables signs no one in. Functions take
the session first and keyword arguments after it, and commit their own change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, update
from sqlmodel import Session, col

from bot.storage.tables import SignInToken, WebSession


def secret_hash(secret: str) -> str:
    """The stored form of a token or session id: SHA-256, enough for random 256-bit secrets
    (no salt or slow hash is needed when nothing is guessable)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """256 random bits, URL-safe: a sign-in token, a session id or a CSRF token."""
    return secrets.token_urlsafe(32)


def issue_sign_in_token(session: Session, *, learner_id: int, now: dt.datetime, minutes: int) -> str:
    """A new single-use token for a /web link, valid `minutes`; only its hash is kept."""
    token = new_secret()
    expires_at = now + dt.timedelta(minutes=minutes)
    add_sign_in_token(
        session, token_hash=secret_hash(token), learner_id=learner_id, now=now, expires_at=expires_at
    )
    return token


def add_sign_in_token(
    session: Session, *, token_hash: str, learner_id: int, now: dt.datetime, expires_at: dt.datetime
) -> None:
    """Keep a new link's token; the learner's links that ran out go at the same time."""
    ran_out = delete(SignInToken).where(
        col(SignInToken.learner_id) == learner_id, col(SignInToken.expires_at) <= now
    )
    session.execute(ran_out)
    token = SignInToken(token_hash=token_hash, learner_id=learner_id, created_at=now, expires_at=expires_at)
    session.add(token)
    session.commit()


def use_sign_in_token(session: Session, *, token_hash: str, now: dt.datetime) -> int | None:
    """Spend a link: its learner's id, or None when it is unknown, used or expired.

    One conditional UPDATE marks it used, so two browsers opening the same link at once cannot
    both sign in: only the one whose update changed the row gets the learner."""
    statement = (
        update(SignInToken)
        .where(
            col(SignInToken.token_hash) == token_hash,
            col(SignInToken.used_at).is_(None),
            col(SignInToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    changed = session.execute(statement).rowcount
    session.commit()
    if changed != 1:
        return None
    token = session.get(SignInToken, token_hash)
    return token.learner_id if token is not None else None


def add_web_session(
    session: Session,
    *,
    id_hash: str,
    learner_id: int,
    csrf: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> WebSession:
    """Open a browser session; every session that has run out goes at the same time."""
    session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
    row = WebSession(
        id_hash=id_hash,
        learner_id=learner_id,
        csrf=csrf,
        created_at=now,
        expires_at=expires_at,
        last_seen_at=now,
    )
    session.add(row)
    session.commit()
    return row


def live_web_session(
    session: Session, *, id_hash: str, now: dt.datetime, seen_every: dt.timedelta = dt.timedelta(minutes=5)
) -> WebSession | None:
    """The session behind a cookie, or None when it is unknown or has run out.

    `last_seen_at` is written at most every `seen_every`, so reading pages does not turn every
    request into a write."""
    row = session.get(WebSession, id_hash)
    if row is None or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= seen_every:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return row


def end_web_session(session: Session, *, id_hash: str) -> bool:
    """Sign a browser out: the row goes. True when there was one."""
    removed = session.execute(delete(WebSession).where(col(WebSession.id_hash) == id_hash)).rowcount
    session.commit()
    return removed == 1
