"""Platform file ids of uploaded audio, so each MP3 is uploaded to a platform once.

Telegram (and Discord, via attachment URLs) hand back an id for an uploaded file;
sending that id again costs nothing, re-uploading the MP3 costs bandwidth and time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.storage.tables import AudioUpload


def audio_file_id(session: Session, *, platform: str, audio_key: str) -> str | None:
    """The platform's id for the audio with this key, or None when it was never uploaded there."""
    upload = session.get(AudioUpload, (platform, audio_key))
    return upload.file_id if upload is not None else None


def remember_audio_file_id(
    session: Session, *, platform: str, audio_key: str, file_id: str, now: dt.datetime
) -> None:
    """Keep the first id a platform gave for this audio; later ones (a race, a retry) are dropped.

    Any id works for sending, so the first one wins instead of the last: two workers
    uploading the same file at once both succeed and neither raises.
    """
    if session.get(AudioUpload, (platform, audio_key)) is not None:
        return
    session.add(AudioUpload(platform=platform, audio_key=audio_key, file_id=file_id, uploaded_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
