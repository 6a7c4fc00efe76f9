"""PTB's errors in delivery's words: what a send should do about each (wait, retry, give up, unsubscribe).

One reading for the push and for replies, so a 429 or a 5xx means the same thing to both.
"""

from __future__ import annotations

import datetime as dt

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.errors import DeliveryError, RecipientGone, RecipientMoved, SlowDown, TemporaryFailure

# A BadRequest that means the chat itself is gone, not that our message was wrong.
GONE_CHAT = ("chat not found", "user not found", "group chat was deactivated", "have no rights to send")


def retry_seconds(error: RetryAfter) -> float:
    """PTB 22 gives an int or a timedelta depending on PTB_TIMEDELTA; accept both."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def translate(error: TelegramError) -> DeliveryError:
    """PTB's exception, as what the delivery should do about it."""
    if isinstance(error, RetryAfter):
        return SlowDown(error.message, retry_seconds(error))
    if isinstance(error, ChatMigrated):
        return RecipientMoved(error.message, str(error.new_chat_id))
    if isinstance(error, Forbidden):  # blocked, deactivated, kicked from the group
        return RecipientGone(error.message)
    if isinstance(error, BadRequest):
        if any(mark in error.message.lower() for mark in GONE_CHAT):
            return RecipientGone(error.message)
        return DeliveryError(error.message)
    if isinstance(error, NetworkError):  # timeouts, connection errors, 5xx (PTB maps them here)
        return TemporaryFailure(error.message)
    return DeliveryError(error.message)


def classify(error: Exception) -> DeliveryError | None:
    """For `Resender`: what a failed call's exception means, or None if it is not Telegram's."""
    return translate(error) if isinstance(error, TelegramError) else None
