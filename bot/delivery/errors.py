"""What a platform adapter raises when a push can't go through, in words the delivery understands.

Adapters translate their library's errors (PTB's `Forbidden`, `RetryAfter`, `NetworkError`; a
Discord 403 or 429) into these, so the retry and ledger logic is written once for every platform.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """The send failed for good (e.g. the platform refused the message): don't retry it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RecipientGone(DeliveryError):
    """The chat can't receive anything: the bot was blocked or kicked, the account deleted."""


class SlowDown(DeliveryError):
    """The platform's flood control answered (HTTP 429): wait `retry_after` seconds, then resend."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TemporaryFailure(DeliveryError):
    """A network error, a timeout or a 5xx: worth retrying after a pause."""


class RecipientMoved(DeliveryError):
    """The chat lives under a new id now (a Telegram group upgraded to a supergroup)."""

    def __init__(self, reason: str, new_chat_id: str) -> None:
        super().__init__(reason)
        self.new_chat_id = new_chat_id
